const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether keys may be fetched from this URL: https, or http on a loopback host
 * (local development), or http anywhere when the operator opted in.
 */
export function isAllowedKeyUrl(url: URL, allowHttp: boolean): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && (allowHttp || LOOPBACK.has(url.hostname)));
}
