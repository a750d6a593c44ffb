import type { Dispatcher } from 'undici';
import type { Algorithm } from './algorithms.js';
import type { RevocationCheck } from './revocation.js';
import type { JwtClaims, ProtectedHeader } from './compact-jws.js';
import type { JsonFetcher } from './http-fetcher.js';
import type { VerifierLogger } from './operator-log.js';

/**
 * A custom claim check. Throw (ideally a `ClaimError`) to refuse the token;
 * any other thrown value is wrapped as `ERR_CLAIM_CHECK_FAILED`. May be async.
 */
export type ClaimCheck = (claims: JwtClaims, header: ProtectedHeader) => void | Promise<void>;

/** Claim rules. Set at the top level (defaults for every issuer) or per issuer. */
export interface ClaimPolicyOptions {
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat`. Default `5`. */
  clockToleranceSec?: number | undefined;
  /** Refuse tokens whose `iat` is older than this many seconds; requires `iat`. Default `null` (no limit). */
  maxTokenAgeSec?: number | null | undefined;
  /** Refuse tokens without `exp`. Default `true`; turn off only for issuers that cannot set it. */
  requireExp?: boolean | undefined;
  /**
   * Required `typ` header, compared case-insensitively with any `application/`
   * prefix removed, e.g. `'at+jwt'` for RFC 9068 access tokens. Default `null` (not checked).
   */
  typ?: string | null | undefined;
  /** Claims that must be present, e.g. `['sub', 'jti']`. Default `[]`. */
  requiredClaims?: readonly string[] | undefined;
  /** Extra check after signature and standard claims pass; may be async. Default: none. */
  checkClaims?: ClaimCheck | undefined;
}

/** The HS256 migration: shared secrets accepted next to JWKS keys while services move to RS256. */
export interface Hs256Options {
  /**
   * Shared secrets, each at least 32 bytes (strings are taken as UTF-8).
   * Several secrets = secret rotation: every one verifies. Required, no default.
   */
  secrets: readonly (string | Uint8Array)[];
  /**
   * End of the migration window: HS256 tokens are refused after it. A `Date`, an ISO 8601 string
   * (`'2026-06-30T00:00:00Z'`) or epoch **milliseconds**; a value before 2001 or after 2100 is
   * refused at start-up (epoch seconds such as `1767225600` would otherwise mean January 1970).
   * Default: no end.
   */
  notAfter?: Date | string | number | null | undefined;
}

/** One trusted issuer (tenant): where its keys come from and what its tokens must say. */
export interface IssuerOptions extends ClaimPolicyOptions {
  /**
   * Expected `iss`, matched exactly. Alone, it also locates keys through OIDC discovery at
   * `{issuer}/.well-known/openid-configuration`, whose `issuer` must equal this value.
   * Default: none — then `jwksUri` is required and `iss` is not checked.
   */
  issuer?: string | undefined;
  /** JWKS URL. When set, discovery is skipped. Default: discovered from `issuer`. */
  jwksUri?: string | undefined;
  /**
   * Accepted `aud` value(s): the token's `aud` (string or list) must contain one of them.
   * Required: write `null` to skip the audience check on purpose.
   */
  audience: string | readonly string[] | null;
  /**
   * Algorithm allowlist, e.g. `['RS256']`. Required. `none` is never accepted.
   * `'HS256'` may be listed only together with `hs256.secrets`.
   */
  algorithms: readonly Algorithm[];
  /** HS256 migration secrets. Default: none (HS256 refused). */
  hs256?: Hs256Options | null | undefined;
}

/** How remote key sets are fetched and cached. Shared by every issuer of a verifier. */
export interface JwksOptions {
  /** TCP/TLS connect timeout. Default `2000` ms. */
  connectTimeoutMs?: number | undefined;
  /** Time allowed until response headers arrive. Default `3000` ms. */
  headersTimeoutMs?: number | undefined;
  /** Time allowed between body chunks. Default `3000` ms. */
  bodyTimeoutMs?: number | undefined;
  /** Largest JWKS or discovery document accepted. Default `262144` bytes (256 KiB). */
  maxResponseBytes?: number | undefined;
  /** Redirects followed for JWKS and discovery. Default `0` (a redirect is an error); at most 5. */
  maxRedirects?: number | undefined;
  /** Freshness when the response has no `Cache-Control: max-age`. Default `600` s. */
  defaultMaxAgeSec?: number | undefined;
  /** Lower clamp for `max-age` (protects the endpoint from `max-age=0`). Default `60` s. */
  minMaxAgeSec?: number | undefined;
  /** Upper clamp for `max-age` (bounds how long a removed key can keep verifying). Default `86400` s. */
  maxMaxAgeSec?: number | undefined;
  /** Fraction of the freshness lifetime after which a background refresh starts. Default `0.8`. */
  refreshAheadRatio?: number | undefined;
  /** After an unknown `kid` triggered a refetch, no other unknown `kid` refetches for this long. Default `10000` ms. */
  cooldownMs?: number | undefined;
  /** Stale-if-error: how long after the last successful fetch a key set keeps serving while refreshes fail. Default `86400` s. */
  maxStaleSec?: number | undefined;
  /** First retry delay after a failed fetch; doubles per failure, with jitter. Default `1000` ms. */
  retryBaseMs?: number | undefined;
  /** Longest retry delay after repeated failures. Default `60000` ms. */
  retryMaxMs?: number | undefined;
  /** Most keys imported from one JWKS; a larger set is refused as invalid. Default `100`. */
  maxKeys?: number | undefined;
  /** Allow `http:` URLs for non-loopback hosts. Default `false` (loopback `http:` is always allowed, for development). */
  allowHttp?: boolean | undefined;
  /** undici dispatcher for all key fetches (proxies, custom TLS, tests). Default: a private `Agent` closed by `close()`. */
  dispatcher?: Dispatcher | undefined;
  /**
   * Fetches the discovery document and the JWKS. Default: the built-in undici fetcher, which
   * applies the timeouts, `maxResponseBytes`, `maxRedirects` (checking every redirect target
   * against the https rule), gzip/deflate/br decoding and `dispatcher` above. Replace it only to
   * take over HTTP entirely (a client library your platform requires, request signing, a local
   * mirror); it then owns all of those rules, and `close()` leaves it open.
   */
  fetcher?: JsonFetcher | undefined;
}

/** The verified-token cache: repeated tokens skip signature checking. */
export interface TokenCacheOptions {
  /** Most tokens kept. Default `10000`. */
  maxEntries?: number | undefined;
}

/** Options shared by all issuers of a verifier. */
export interface CommonVerifierOptions extends ClaimPolicyOptions {
  /**
   * This resource server's identifier (RFC 8707 resource indicator, RFC 9728 `resource`): an
   * absolute https URL without fragment, e.g. `'https://api.example.com/mcp'` (http only on
   * loopback hosts, for development). Clients ask the authorization server for a token with
   * `resource=` this value, which puts it in `aud`; so it is an accepted audience of every issuer,
   * and `audience` may be left out. Given both, a token for either is accepted (moving clients
   * from an old audience to the resource); `audience: null` is refused with it. Adapters publish
   * RFC 9728 metadata for it and name that in every 401 challenge (`resource_metadata`).
   * Default: none.
   */
  resource?: string | undefined;
  /** Largest token accepted, in bytes. Default `8192`. */
  maxTokenBytes?: number | undefined;
  /** Remote key set behaviour. Defaults as documented on each field. */
  jwks?: JwksOptions | undefined;
  /**
   * Cache verified tokens (bounded, never past `exp`). Default `false`; `true` uses default sizes.
   * A miss costs one map lookup. Once full, a token is stored on its second coming only, so tokens
   * seen once (each client's first request, a scan) neither evict the repeated ones nor make the
   * cache churn. HS256 tokens are cached too: a hit saves the HMAC and the payload decoding, and a
   * miss costs the same as with the cache off.
   */
  tokenCache?: boolean | TokenCacheOptions | undefined;
  /** Clock in epoch milliseconds; inject one in tests. Default `Date.now`. */
  clock?: (() => number) | undefined;
  /**
   * Tells the operator when discovery or a JWKS cannot be fetched (with the cause), when it works
   * again, and when a JWKS holds keys that will not be used. Never per request: at most one warning
   * per URL every `LOG_INTERVAL_MS` (5 minutes). Any object with `warn(message)` (and optionally
   * `info(message)`) fits: `console`, pino, winston. `false` silences it. Default `console`.
   */
  logger?: VerifierLogger | false | undefined;
  /**
   * Refuses revoked tokens (`ERR_TOKEN_REVOKED`) on every verification, token-cache hits included:
   * by `jti`, by subject or by client issued before a time. A local lookup, never a network round
   * trip: a `RevocationList` for one process, or `@tollgate/redis`'s mirror of a fleet-wide list.
   * Its `state()` shows in `health()`. Default: none (no revocation check).
   */
  revocation?: RevocationCheck | undefined;
}

/**
 * An issuer of a verifier with a `resource`: `audience` may be left out (the resource is then the
 * one accepted audience), and may not be `null` (a token for another resource must be refused).
 */
export type ResourceIssuerOptions = Omit<IssuerOptions, 'audience'> & {
  /** Further accepted `aud` value(s) next to the resource. Default: the resource only. */
  audience?: string | readonly string[] | undefined;
};

/** `createVerifier` options: one issuer inline, or several under `issuers`. */
export type VerifierOptions =
  | (CommonVerifierOptions & IssuerOptions & { issuers?: undefined; resource?: undefined })
  | (CommonVerifierOptions & { issuers: readonly IssuerOptions[]; resource?: undefined })
  | (CommonVerifierOptions & ResourceIssuerOptions & { resource: string; issuers?: undefined })
  | (CommonVerifierOptions & { resource: string; issuers: readonly ResourceIssuerOptions[] });
