import { KeysUnavailableError } from './errors.js';
import type { EventHub } from './events.js';
import { FetchFailure, type JsonFetcher } from './http-fetcher.js';
import { isAllowedKeyUrl } from './key-url.js';

/** `{issuer}/.well-known/openid-configuration`, per OpenID Connect Discovery 1.0 section 4. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches the discovery document and returns its `jwks_uri`. The document's
 * `issuer` must equal the configured one exactly (OIDC Discovery 4.3), or a
 * compromised or misrouted discovery endpoint could point us at foreign keys.
 */
export async function discoverJwksUri(
  issuer: string,
  fetcher: JsonFetcher,
  events: EventHub,
  allowHttp: boolean,
  signal?: AbortSignal,
): Promise<string> {
  const url = discoveryUrl(issuer);
  const started = performance.now();
  let status: number | undefined;
  try {
    const result = await fetcher.fetchJson(url, { signal });
    status = result.status;
    if (result.status !== 200) throw new FetchFailure(`${url} answered 304 to an unconditional request`, 304);
    const doc = result.body as Record<string, unknown> | null;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new FetchFailure(`${url} is not a JSON object`, 200);
    if (doc.issuer !== issuer) {
      throw new KeysUnavailableError(
        'ERR_DISCOVERY_ISSUER_MISMATCH',
        `Discovery at ${url} names issuer ${JSON.stringify(doc.issuer)}, not the configured ${issuer}; fix the issuer option (exact match, including any trailing slash).`,
      );
    }
    const jwksUri = doc.jwks_uri;
    let parsed: URL | undefined;
    try {
      parsed = typeof jwksUri === 'string' ? new URL(jwksUri) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !isAllowedKeyUrl(parsed, allowHttp)) {
      throw new FetchFailure(`${url} has no usable https "jwks_uri"`, 200);
    }
    if (events.has('fetch'))
      events.emit('fetch', {
        kind: 'discovery',
        url,
        durationMs: performance.now() - started,
        status,
        outcome: 'updated',
      });
    return jwksUri as string;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (events.has('fetch')) {
      events.emit('fetch', {
        kind: 'discovery',
        url,
        durationMs: performance.now() - started,
        status: error instanceof FetchFailure ? error.httpStatus : status,
        outcome: 'error',
        error: message,
      });
    }
    if (error instanceof KeysUnavailableError) throw error;
    throw new KeysUnavailableError('ERR_DISCOVERY_FAILED', `OIDC discovery failed: ${message}.`, { cause: error });
  }
}
