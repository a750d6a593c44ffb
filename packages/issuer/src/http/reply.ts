import { createHash } from 'node:crypto';

/** A response before it is written, so faults and HEAD can be applied in one place. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

const JSON_TYPE = 'application/json';

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** An error in the RFC 6749 §5.2 shape, used for every error the issuer returns. */
export function errorReply(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(
    status,
    { error, error_description: description },
    { 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
  );
}

export function methodNotAllowed(allow: string): Reply {
  return errorReply(405, 'method_not_allowed', `use ${allow.replace(', ', ' or ')}`, { allow });
}

export function notFound(): Reply {
  return errorReply(404, 'not_found', 'no such endpoint');
}

/**
 * A public, cacheable JSON document: `Cache-Control` as configured, and an ETag (a hash of the
 * body, so it changes exactly when the content does) with `304` for a matching `If-None-Match`.
 */
export function cacheableJson(
  value: unknown,
  opts: { cacheControl: string | undefined; etag: boolean; ifNoneMatch: string | undefined },
): Reply {
  const body = JSON.stringify(value);
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'access-control-allow-origin': '*' };
  if (opts.cacheControl !== undefined) headers['cache-control'] = opts.cacheControl;
  if (!opts.etag) return { status: 200, headers, body };
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  headers.etag = etag;
  if (opts.ifNoneMatch !== undefined && etagMatches(opts.ifNoneMatch, etag))
    return { status: 304, headers: withoutType(headers) };
  return { status: 200, headers, body };
}

/** RFC 9110 §13.1.2: `*`, or a list of entity tags compared weakly (a `W/` prefix is ignored). */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const value = ifNoneMatch.trim();
  if (value === '*') return true;
  const wanted = etag.replace(/^W\//, '');
  return value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === wanted);
}

function withoutType(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _type, ...rest } = headers;
  return rest;
}
