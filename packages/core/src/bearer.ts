import { TokenError, type AnyTollgateError } from './errors.js';

/** Where tokens may be read from. The `Authorization: Bearer` header is always read. */
export interface TokenLocations {
  /** Also read the token from this cookie. Default: off. */
  cookie?: string | undefined;
  /** Also read the token from this query parameter (RFC 6750 2.3 discourages it). Default: off. */
  query?: string | undefined;
}

/** The raw request parts a token can come from, as the framework exposes them. */
export interface TokenRequestParts {
  /** `Authorization` header(s); pass every occurrence (e.g. `req.headersDistinct.authorization`) so repeats are caught. */
  authorization: string | readonly string[] | undefined;
  /** Raw `Cookie` header. */
  cookie?: string | readonly string[] | undefined;
  /** Request target (path and query), e.g. `req.originalUrl` / `ctx.url`. */
  url?: string | undefined;
}

/** What a Node request (or Fastify's `request.raw`) exposes to find a token. */
export interface IncomingMessageLike {
  readonly headers: { readonly authorization?: string | undefined; readonly cookie?: string | undefined };
  readonly headersDistinct?: { readonly authorization?: readonly string[] | undefined } | undefined;
}

/**
 * The token-bearing parts of a Node request. Every `Authorization` occurrence
 * is passed (`headersDistinct`), so a repeated header is refused, not half-read.
 */
export function requestParts(message: IncomingMessageLike, url: string | undefined): TokenRequestParts {
  return { authorization: message.headersDistinct?.authorization ?? message.headers.authorization, cookie: message.headers.cookie, url };
}

// RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^Bearer(?: |$)/i;
/** Authorization headers longer than this are refused before any parsing. */
const MAX_HEADER_CHARS = 16 * 1024;

function single(value: string | readonly string[] | undefined, what: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 0) return undefined;
  if (value.length > 1) throw new TokenError('ERR_TOKEN_REQUEST_INVALID', `The request carries ${value.length} ${what} headers; send exactly one.`);
  return value[0];
}

function fromHeader(header: string | undefined): string | undefined {
  if (header === undefined || !SCHEME.test(header)) return undefined; // another scheme (Basic, …) is not ours to judge
  if (header.length > MAX_HEADER_CHARS) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'The Authorization header is too large.');
  const match = BEARER.exec(header);
  if (!match) throw new TokenError('ERR_TOKEN_REQUEST_INVALID', 'The Authorization header is malformed; use "Bearer <token>".');
  return match[1];
}

function fromCookie(raw: string | readonly string[] | undefined, name: string): string | undefined {
  const header = typeof raw === 'string' ? raw : raw?.join('; ');
  if (!header) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) throw new TokenError('ERR_TOKEN_REQUEST_INVALID', `The "${name}" cookie appears more than once.`);
    found = pair.slice(eq + 1).trim();
  }
  return found || undefined;
}

function fromQuery(url: string | undefined, name: string): string | undefined {
  const q = url?.indexOf('?') ?? -1;
  if (url === undefined || q < 0) return undefined;
  const values = new URLSearchParams(url.slice(q + 1)).getAll(name);
  if (values.length > 1) throw new TokenError('ERR_TOKEN_REQUEST_INVALID', `The "${name}" query parameter appears more than once.`);
  return values[0] || undefined;
}

/**
 * Finds the bearer token of a request. Returns `undefined` when there is none
 * (an anonymous request). Throws `ERR_TOKEN_REQUEST_INVALID` for a malformed
 * header, a repeated location, or tokens in more than one location (RFC 6750 2).
 */
export function extractToken(parts: TokenRequestParts, locations: TokenLocations = {}): string | undefined {
  const found: string[] = [];
  const header = fromHeader(single(parts.authorization, 'Authorization'));
  if (header !== undefined) found.push(header);
  if (locations.cookie !== undefined) {
    const cookie = fromCookie(parts.cookie, locations.cookie);
    if (cookie !== undefined) found.push(cookie);
  }
  if (locations.query !== undefined) {
    const query = fromQuery(parts.url, locations.query);
    if (query !== undefined) found.push(query);
  }
  if (found.length > 1) throw new TokenError('ERR_TOKEN_REQUEST_INVALID', 'The request carries a token in more than one place; send it once.');
  return found[0];
}

/** Quotes a value for an RFC 7235 auth-param: escapes `\` and `"`, drops control characters. */
export function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\u0000-\u001f\u007f-\uffff]/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/** Builds an RFC 6750 `WWW-Authenticate: Bearer …` value. */
export function bearerChallenge(params: { realm?: string | undefined; error?: string | null | undefined; description?: string | undefined; scope?: string | undefined }): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm=${quote(params.realm)}`);
  if (params.error) {
    parts.push(`error=${quote(params.error)}`);
    if (params.description) parts.push(`error_description=${quote(params.description)}`);
  }
  if (params.scope) parts.push(`scope=${quote(params.scope)}`);
  return parts.length > 0 ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** A framework-neutral HTTP answer for a tollgate error. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description: string; readonly code: string };
}

/**
 * Maps an error to its RFC 6750 response: 401 with a challenge (no error code
 * when the token is missing), 400 `invalid_request`, 403 `insufficient_scope`
 * with the needed scope, 503 with `Retry-After`. Descriptions are short and
 * never contain the token; key-fetch internals are not exposed.
 */
export function errorResponse(error: AnyTollgateError, options: { realm?: string | undefined } = {}): ErrorResponse {
  const { status, bearerError, code } = error;
  const headers: Record<string, string> = {};
  let description = error.message;
  if (status === 503) {
    description = 'Signing keys are temporarily unavailable; retry later.';
    headers['retry-after'] = String('retryAfterSec' in error ? error.retryAfterSec : 1);
  } else if (status >= 500) {
    description = 'The server cannot verify tokens right now.';
  } else {
    const scope = error.code === 'ERR_CLAIM_SCOPE_INSUFFICIENT' && Array.isArray(error.expected) ? error.expected.join(' ') : undefined;
    headers['www-authenticate'] = bearerChallenge({ realm: options.realm, error: bearerError, description: bearerError ? description : undefined, scope });
    if (code === 'ERR_TOKEN_MISSING') description = 'Authentication is required.';
  }
  const name = bearerError ?? (status === 401 ? 'unauthorized' : status === 503 ? 'temporarily_unavailable' : 'server_error');
  return { status, headers, body: { error: name, error_description: description, code } };
}

/** The fields Express, Koa and http-errors read from an error to answer it. */
export interface HttpErrorFields {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly expose: boolean;
}

export type HttpTollgateError = AnyTollgateError & HttpErrorFields;

/**
 * Decorates an error with `statusCode` and `headers` (RFC 6750 challenge,
 * `Retry-After`) so a framework's own error pipeline answers it correctly.
 */
export function toHttpError(error: AnyTollgateError, options: { realm?: string | undefined } = {}): HttpTollgateError {
  const { status, headers } = errorResponse(error, options);
  return Object.assign(error, { statusCode: status, headers: { ...headers }, expose: status < 500 });
}
