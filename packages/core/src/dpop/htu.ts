import { isIPv6 } from 'node:net';
import { ConfigError, DpopError } from '../errors.js';

/*
 * RFC 9449 section 4.3 point 9: a proof's `htu` must match the request URI without query and
 * fragment, after RFC 3986 sections 6.2.2 and 6.2.3 normalization. Both sides (the proof's `htu`
 * and the URI this server computes for the request) go through the same functions below, so they
 * meet in one canonical form: lower-case scheme and host, no default port, upper-case
 * percent-encoding hex, unreserved characters decoded, dot segments removed, `/` for an empty path.
 * Printable ASCII that RFC 3986 does not allow raw in a path (`|`, `^`, `[`, …; WHATWG URL
 * serializers leave some of them raw) is percent-encoded, so `/a|b` and `/a%7Cb` meet too. Control
 * characters, spaces and non-ASCII are refused outright: no such value is ever accepted, echoed or
 * compared.
 */

const DEFAULT_PORT = { http: 80, https: 443 } as const;
type HttpScheme = keyof typeof DEFAULT_PORT;

const HEX = '0123456789ABCDEF';
/** A path already in canonical form needs no rewriting: only characters allowed raw, no `%`. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** Characters RFC 3986 section 3.3 allows raw in a path: pchar (unreserved, sub-delims, ':', '@') and '/'. */
const PATH_RAW = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")
  PATH_RAW[c.charCodeAt(0)] = 1;
/** Any control character, space, DEL or non-ASCII character. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0020\u007f-\uffff]/;
/** RFC 3986 reg-name without percent-encoding (refused: no client needs it, and it would need IDNA rules). */
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=]+$/;
/** Host names taken from request headers: DNS-like names only, so a list (`a, b`) or junk never passes. */
const HEADER_HOST = /^[A-Za-z0-9\-._~]+$/;
const SCHEME_AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x7e
  );
}

/** RFC 3986 section 5.2.4, on a path that starts with '/'. */
function removeDotSegments(path: string): string {
  if (!path.includes('/.')) return path;
  const input = path.split('/');
  const output: string[] = [];
  for (let i = 1; i < input.length; i++) {
    const segment = input[i]!;
    const last = i === input.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      if (last) output.push('');
    } else {
      output.push(segment);
    }
  }
  return `/${output.join('/')}`;
}

/** Canonical form of a path (`''` or starting with '/'), or undefined when it holds a character no URI may carry. */
function normalizePath(path: string): string | undefined {
  if (path === '') return '/';
  let out = path;
  if (!PLAIN_PATH.test(path)) {
    out = '';
    for (let i = 0; i < path.length; i++) {
      const code = path.charCodeAt(i);
      if (code === 0x25) {
        const hi = hexValue(path.charCodeAt(i + 1));
        const lo = hexValue(path.charCodeAt(i + 2));
        if (hi < 0 || lo < 0) return undefined;
        const byte = hi * 16 + lo;
        out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[hi]}${HEX[lo]}`;
        i += 2;
      } else if (code < 0x80 && PATH_RAW[code] === 1) {
        out += path[i];
      } else if (code > 0x20 && code < 0x7f) {
        out += `%${HEX[code >> 4]}${HEX[code & 15]}`;
      } else {
        return undefined;
      }
    }
  }
  return removeDotSegments(out);
}

function normalizeHost(host: string, fromHeader: boolean): string | undefined {
  if (host.startsWith('[')) {
    const inner = host.slice(1, -1);
    if (!host.endsWith(']') || inner.includes('%') || !isIPv6(inner)) return undefined;
    // WHATWG serialization gives the one compressed lower-case form of an IPv6 address.
    return new URL(`http://[${inner}]/`).hostname;
  }
  return (fromHeader ? HEADER_HOST : REG_NAME).test(host) ? host.toLowerCase() : undefined;
}

/** `host[:port]` in canonical form, default port removed; undefined when invalid (userinfo included). */
function normalizeAuthority(scheme: HttpScheme, authority: string, fromHeader: boolean): string | undefined {
  const close = authority.startsWith('[') ? authority.indexOf(']') : -1;
  const colon = authority.indexOf(':', close + 1);
  const host = normalizeHost(colon < 0 ? authority : authority.slice(0, colon), fromHeader);
  if (host === undefined) return undefined;
  const port = colon < 0 ? '' : authority.slice(colon + 1);
  if (port === '') return host; // RFC 3986 6.2.3: an empty port is the default one
  if (!/^[0-9]{1,5}$/.test(port)) return undefined;
  const number = Number(port);
  if (number > 65_535) return undefined;
  return number === DEFAULT_PORT[scheme] ? host : `${host}:${number}`;
}

type UriProblem = 'not-absolute' | 'scheme' | 'userinfo' | 'authority' | 'path';

const PROBLEM_TEXT: Readonly<Record<UriProblem, string>> = {
  'not-absolute': 'is not an absolute URI without spaces or control characters',
  scheme: 'is not an http or https URI',
  userinfo: 'carries userinfo (user@host), which is refused',
  authority: 'has an invalid host or port',
  path: 'has an invalid path (a bad percent-encoding or a character no URI may carry)',
};

/** Splits and normalizes an absolute http(s) URI; query and fragment are dropped. */
function normalizeUri(value: string): { scheme: HttpScheme; origin: string; path: string } | UriProblem {
  if (FORBIDDEN.test(value)) return 'not-absolute';
  const match = SCHEME_AUTHORITY.exec(value);
  if (match === null) return 'not-absolute';
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return 'scheme';
  const rawAuthority = match[2]!;
  if (rawAuthority.includes('@')) return 'userinfo';
  const authority = normalizeAuthority(scheme, rawAuthority, false);
  if (authority === undefined) return 'authority';
  const rest = value.slice(match[0].length);
  const end = rest.search(/[?#]/);
  const path = normalizePath(end < 0 ? rest : rest.slice(0, end));
  if (path === undefined) return 'path';
  return { scheme, origin: `${scheme}://${authority}`, path };
}

/**
 * Normalizes a DPoP proof's `htu` claim for comparison (RFC 9449 section 4.3
 * point 9; RFC 3986 sections 6.2.2-6.2.3): lower-case scheme and host, default
 * port removed, percent-encoding upper-cased with unreserved characters
 * decoded, dot segments removed, empty path as `/`, query and fragment dropped.
 * Throws `ERR_DPOP_PROOF_INVALID` (reason `htu`) for anything but an absolute
 * http(s) URI, for userinfo, and for control characters, spaces or non-ASCII.
 *
 * @example
 * normalizeHtu('HTTPS://API.example.com:443/a/./b/%7e?x=1'); // 'https://api.example.com/a/b/~'
 */
export function normalizeHtu(htu: string): string {
  const result = normalizeUri(htu);
  if (typeof result === 'string') {
    throw new DpopError(
      'ERR_DPOP_PROOF_INVALID',
      `The DPoP proof's htu ${PROBLEM_TEXT[result]}; send the request URI without query and fragment.`,
      { reason: 'htu' },
    );
  }
  return result.origin + result.path;
}

/**
 * Where the scheme, host and port of a request's expected `htu` come from.
 * - a string: the public origin clients call, e.g. `https://api.example.com` (no path). Right behind
 *   any proxy or load balancer, and the safe choice: nothing in the request can change it.
 * - `{ fromRequest: 'host' }`: the `Host` header and whether this process terminated TLS. Only when
 *   clients reach this process directly (no proxy in front).
 * - `{ fromRequest: 'forwarded' }`: `X-Forwarded-Proto` and `X-Forwarded-Host` when present, else as
 *   `'host'`. Only behind a proxy that always overwrites both headers: a client that can set them
 *   chooses the URI its proofs are checked against.
 */
export type HtuOriginOption = string | { readonly fromRequest: 'host' | 'forwarded' };

/** A resolved `HtuOriginOption`, built once at start-up by `resolveHtuOrigin`. */
export type HtuOrigin =
  { readonly kind: 'fixed'; readonly origin: string } | { readonly kind: 'request'; readonly forwarded: boolean };

/**
 * Checks an `HtuOriginOption` at start-up. Throws `ConfigError` (naming
 * `optionName`) for a value that is not an http(s) origin without path,
 * query, fragment or userinfo.
 *
 * @example
 * const origin = resolveHtuOrigin('https://api.example.com');
 */
export function resolveHtuOrigin(option: HtuOriginOption, optionName = 'dpop.origin'): HtuOrigin {
  if (
    typeof option === 'object' &&
    option !== null &&
    (option.fromRequest === 'host' || option.fromRequest === 'forwarded')
  ) {
    return Object.freeze({ kind: 'request', forwarded: option.fromRequest === 'forwarded' });
  }
  if (typeof option === 'string') {
    const result = normalizeUri(option);
    if (
      typeof result !== 'string' &&
      result.path === '/' &&
      !/[?#]/.test(option) &&
      /^[^:]+:\/\/[^/]*\/?$/.test(option)
    ) {
      return Object.freeze({ kind: 'fixed', origin: result.origin });
    }
  }
  throw new ConfigError(
    `${optionName} must be the public origin clients call, such as "https://api.example.com" (scheme, host and optional port, no path, query or userinfo), or { fromRequest: 'host' | 'forwarded' }.`,
    [optionName],
  );
}

/** The request parts the expected `htu` is built from, as the framework exposes them. */
export interface HtuRequestParts {
  /** Request target as received: path and query (`req.originalUrl`, `ctx.originalUrl`, Fastify `request.url`). */
  readonly target: string;
  /** `Host` header (`:authority` on HTTP/2). Read only with `{ fromRequest }`. */
  readonly host?: string | readonly string[] | undefined;
  /** `X-Forwarded-Proto`. Read only with `{ fromRequest: 'forwarded' }`. */
  readonly forwardedProto?: string | readonly string[] | undefined;
  /** `X-Forwarded-Host`. Read only with `{ fromRequest: 'forwarded' }`. */
  readonly forwardedHost?: string | readonly string[] | undefined;
  /** Whether this process terminated TLS for the request (`req.socket.encrypted`). Read only with `{ fromRequest }`. */
  readonly encrypted?: boolean | undefined;
}

function requestInvalid(message: string): DpopError {
  return new DpopError('ERR_DPOP_REQUEST_INVALID', message, { reason: 'request' });
}

function oneHeader(value: string | readonly string[] | undefined, name: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (value.length > 1) throw requestInvalid(`The request carries ${value.length} ${name} headers; send exactly one.`);
  return value[0];
}

/** The canonical path of a request target (origin-form, or the path of an absolute-form target). */
function targetPath(target: string): string {
  if (typeof target === 'string') {
    if (target.startsWith('/')) {
      const end = target.search(/[?#]/);
      const path = normalizePath(end < 0 ? target : target.slice(0, end));
      // The query is dropped unread: whatever it holds is neither compared nor echoed.
      if (path !== undefined) return path;
    } else {
      // Absolute-form (RFC 9112 3.2.2): only its path is used; the origin still comes from the configured source.
      const result = normalizeUri(target);
      if (typeof result !== 'string') return result.path;
    }
  }
  throw requestInvalid('The request target is not a path this server can check a DPoP proof against.');
}

function requestOrigin(request: HtuRequestParts, forwarded: boolean): string {
  let proto = forwarded ? oneHeader(request.forwardedProto, 'X-Forwarded-Proto') : undefined;
  let host = forwarded ? oneHeader(request.forwardedHost, 'X-Forwarded-Host') : undefined;
  if (proto !== undefined && proto.includes(','))
    throw requestInvalid('X-Forwarded-Proto holds a list; the proxy in front must overwrite it with one value.');
  if (host !== undefined && host.includes(','))
    throw requestInvalid('X-Forwarded-Host holds a list; the proxy in front must overwrite it with one value.');
  proto = proto?.trim().toLowerCase() ?? (request.encrypted === true ? 'https' : 'http');
  host = host?.trim() ?? oneHeader(request.host, 'Host');
  if (proto !== 'http' && proto !== 'https') throw requestInvalid('X-Forwarded-Proto must be "http" or "https".');
  if (host === undefined || host === '') throw requestInvalid('The request has no Host header, so its URI is unknown.');
  const authority = normalizeAuthority(proto, host, true);
  if (authority === undefined) throw requestInvalid('The request names an invalid host.');
  return `${proto}://${authority}`;
}

/**
 * The `htu` a DPoP proof for this request must carry, in the canonical form
 * `normalizeHtu` produces. The origin comes from `origin` (see
 * `HtuOriginOption`); the path from the request target, query dropped.
 * Throws `ERR_DPOP_REQUEST_INVALID` (400) for a target or header that cannot
 * form a URI (control characters, a list in `X-Forwarded-*`, a repeated
 * header). Nothing from the request is copied into an error message.
 *
 * @example
 * const origin = resolveHtuOrigin('https://api.example.com');
 * requestHtu(origin, { target: req.originalUrl }); // 'https://api.example.com/orders/7'
 */
export function requestHtu(origin: HtuOrigin, request: HtuRequestParts): string {
  const path = targetPath(request.target);
  return (origin.kind === 'fixed' ? origin.origin : requestOrigin(request, origin.forwarded)) + path;
}
