import type { Dispatcher } from 'undici';
import { ASYMMETRIC_ALGORITHMS, isSupportedAlgorithm, type Algorithm } from './algorithms.js';
import { ConfigError } from './errors.js';
import type { JsonFetcher } from './http-fetcher.js';
import { isAllowedKeyUrl } from './key-url.js';
import type { ClaimCheck, ClaimPolicyOptions, IssuerOptions, JwksOptions, VerifierOptions } from './options.js';

/** Claim policy with every default applied. */
export interface ResolvedClaimPolicy {
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | null;
  readonly clockToleranceSec: number;
  readonly maxTokenAgeSec: number | null;
  readonly requireExp: boolean;
  readonly typ: string | null;
  readonly requiredClaims: readonly string[];
  readonly checkClaims: ClaimCheck | undefined;
}

export interface ResolvedIssuer {
  /** Stable label for stats and events: the issuer URL, else the JWKS URI, else `hs256`. */
  readonly id: string;
  readonly issuer: string | undefined;
  /** Where keys come from: a JWKS URL, discovery from `issuer`, or nowhere (HS256 only). */
  readonly keys: { readonly jwksUri: string } | { readonly discover: string } | null;
  readonly algorithms: ReadonlySet<Algorithm>;
  readonly hs256: { readonly secrets: readonly Uint8Array[]; readonly notAfterMs: number | null } | null;
  readonly policy: ResolvedClaimPolicy;
}

export interface ResolvedJwksOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  readonly defaultMaxAgeSec: number;
  readonly minMaxAgeSec: number;
  readonly maxMaxAgeSec: number;
  readonly refreshAheadRatio: number;
  readonly cooldownMs: number;
  readonly maxStaleSec: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxKeys: number;
  readonly allowHttp: boolean;
  readonly dispatcher: Dispatcher | undefined;
  readonly fetcher: JsonFetcher | undefined;
}

export interface ResolvedOptions {
  readonly issuers: readonly ResolvedIssuer[];
  readonly maxTokenBytes: number;
  readonly jwks: ResolvedJwksOptions;
  readonly tokenCache: { readonly maxEntries: number } | null;
  readonly clock: () => number;
}

export const JWKS_DEFAULTS: Omit<ResolvedJwksOptions, 'dispatcher' | 'fetcher'> = Object.freeze({
  connectTimeoutMs: 2000,
  headersTimeoutMs: 3000,
  bodyTimeoutMs: 3000,
  maxResponseBytes: 256 * 1024,
  maxRedirects: 0,
  defaultMaxAgeSec: 600,
  minMaxAgeSec: 60,
  maxMaxAgeSec: 86_400,
  refreshAheadRatio: 0.8,
  cooldownMs: 10_000,
  maxStaleSec: 86_400,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  maxKeys: 100,
  allowHttp: false,
});

export const VERIFIER_DEFAULTS = Object.freeze({
  maxTokenBytes: 8192,
  clockToleranceSec: 5,
  requireExp: true,
  tokenCacheEntries: 10_000,
});

export const MIN_HS256_SECRET_BYTES = 32;

/** Collects every problem so one start-up error lists them all. */
export class Problems {
  readonly list: { option: string; message: string }[] = [];
  private readonly options: string[] = [];
  /** Records a problem with `option`; `related` are further options the same problem involves. */
  add(option: string, message: string, ...related: string[]): void {
    this.list.push({ option: [option, ...related].join(', '), message });
    this.options.push(option, ...related);
  }
  throwIfAny(title = 'Invalid tollgate configuration'): void {
    if (this.list.length === 0) return;
    const lines = this.list.map((p) => `  - ${p.option}: ${p.message}`).join('\n');
    throw new ConfigError(`${title}:\n${lines}`, this.options);
  }
}

function number(
  problems: Problems,
  option: string,
  value: unknown,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    problems.add(option, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(value)}.`);
    return fallback;
  }
  return value;
}

function url(problems: Problems, option: string, value: unknown, allowHttp: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    problems.add(option, 'must be a non-empty URL string.');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.add(option, `is not a valid URL: ${JSON.stringify(value)}.`);
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    problems.add(option, `must use https: (got ${parsed.protocol}).`);
  } else if (!isAllowedKeyUrl(parsed, allowHttp)) {
    problems.add(option, 'uses http: for a non-loopback host; keys must come over https (or set jwks.allowHttp: true for a trusted network).');
  }
  return value;
}

function secretBytes(problems: Problems, option: string, secret: unknown): Uint8Array | undefined {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? secret : undefined;
  if (bytes === undefined) {
    problems.add(option, 'must be a string or Uint8Array.');
    return undefined;
  }
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    // Length only: the secret itself never appears in an error.
    problems.add(option, `is ${bytes.length} bytes; HS256 secrets must be at least ${MIN_HS256_SECRET_BYTES} bytes (RFC 7518 3.2). Use a longer random secret.`);
    return undefined;
  }
  return bytes;
}

function resolvePolicy(problems: Problems, at: string, own: ClaimPolicyOptions, shared: ClaimPolicyOptions, issuer: string | undefined, audience: readonly string[] | null): ResolvedClaimPolicy {
  const pick = <K extends keyof ClaimPolicyOptions>(key: K): ClaimPolicyOptions[K] => (own[key] !== undefined ? own[key] : shared[key]);
  const maxAge = pick('maxTokenAgeSec');
  const typ = pick('typ');
  const requiredClaims = pick('requiredClaims') ?? [];
  const checkClaims = pick('checkClaims');
  if (!Array.isArray(requiredClaims) || requiredClaims.some((c) => typeof c !== 'string')) problems.add(`${at}requiredClaims`, 'must be an array of claim names.');
  if (typ !== undefined && typ !== null && (typeof typ !== 'string' || typ.length === 0)) problems.add(`${at}typ`, 'must be a non-empty string or null.');
  if (checkClaims !== undefined && typeof checkClaims !== 'function') problems.add(`${at}checkClaims`, 'must be a function.');
  const requireExp = pick('requireExp');
  if (requireExp !== undefined && typeof requireExp !== 'boolean') problems.add(`${at}requireExp`, 'must be a boolean.');
  return Object.freeze({
    issuer,
    audience,
    clockToleranceSec: number(problems, `${at}clockToleranceSec`, pick('clockToleranceSec'), VERIFIER_DEFAULTS.clockToleranceSec, { max: 3600 }),
    maxTokenAgeSec: maxAge === null || maxAge === undefined ? null : number(problems, `${at}maxTokenAgeSec`, maxAge, 0, { min: 1 }),
    requireExp: requireExp ?? VERIFIER_DEFAULTS.requireExp,
    typ: typeof typ === 'string' ? normalizeTyp(typ) : null,
    requiredClaims: Object.freeze([...(Array.isArray(requiredClaims) ? requiredClaims : [])]),
    checkClaims: typeof checkClaims === 'function' ? checkClaims : undefined,
  });
}

/** RFC 8725 3.11 / RFC 9068: `typ` compares case-insensitively, `application/` prefix optional. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function resolveIssuer(problems: Problems, at: string, options: IssuerOptions, shared: ClaimPolicyOptions, allowHttp: boolean, multi: boolean): ResolvedIssuer {
  if (typeof options !== 'object' || options === null) {
    problems.add(at || 'options', 'must be an object.');
    return undefined as never;
  }
  const issuer = url(problems, `${at}issuer`, options.issuer, allowHttp);
  const jwksUri = url(problems, `${at}jwksUri`, options.jwksUri, allowHttp);
  if (multi && options.issuer === undefined) problems.add(`${at}issuer`, 'is required for each entry of issuers: the token\'s iss selects the entry.');

  let audience: readonly string[] | null = null;
  if (options.audience === undefined) {
    problems.add(`${at}audience`, 'is required; pass null to skip the audience check on purpose.');
  } else if (options.audience !== null) {
    const list = typeof options.audience === 'string' ? [options.audience] : options.audience;
    if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a.length === 0)) {
      problems.add(`${at}audience`, 'must be a non-empty string, a non-empty array of strings, or null.');
    } else audience = Object.freeze([...list]);
  }

  const algorithms = new Set<Algorithm>();
  if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
    problems.add(`${at}algorithms`, "is required: list the accepted algorithms, e.g. ['RS256'].");
  } else {
    for (const alg of options.algorithms as unknown[]) {
      if (typeof alg === 'string' && alg.toLowerCase() === 'none') problems.add(`${at}algorithms`, '"none" is never accepted.');
      else if (!isSupportedAlgorithm(alg)) problems.add(`${at}algorithms`, `${JSON.stringify(alg)} is not supported; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}, HS256.`);
      else algorithms.add(alg);
    }
  }

  let hs256: ResolvedIssuer['hs256'] = null;
  if (options.hs256 !== undefined && options.hs256 !== null) {
    const secrets = options.hs256.secrets;
    if (!Array.isArray(secrets) || secrets.length === 0) {
      problems.add(`${at}hs256.secrets`, 'must list at least one secret.');
    } else {
      const bytes = secrets.map((s, i) => secretBytes(problems, `${at}hs256.secrets[${i}]`, s)).filter((b): b is Uint8Array => b !== undefined);
      let notAfterMs: number | null = null;
      const notAfter = options.hs256.notAfter;
      if (notAfter !== undefined && notAfter !== null) {
        notAfterMs = new Date(notAfter).getTime();
        if (!Number.isFinite(notAfterMs)) problems.add(`${at}hs256.notAfter`, 'is not a valid date.');
      }
      hs256 = { secrets: bytes, notAfterMs };
    }
    if (!algorithms.has('HS256')) problems.add(`${at}algorithms`, "must include 'HS256' when hs256.secrets are configured (or remove hs256 to refuse HS256).");
  } else if (algorithms.has('HS256')) {
    problems.add(`${at}algorithms`, "lists 'HS256' but no hs256.secrets are configured; HS256 is verified only against explicit migration secrets.");
  }

  const asymmetric = [...algorithms].some((alg) => alg !== 'HS256');
  let keys: ResolvedIssuer['keys'] = null;
  if (asymmetric) {
    if (jwksUri !== undefined) keys = { jwksUri };
    else if (issuer !== undefined) keys = { discover: issuer };
    else problems.add(`${at}issuer`, 'or jwksUri is required to fetch keys for asymmetric algorithms.');
  }
  const policy = resolvePolicy(problems, at, options, shared, issuer, audience);
  return Object.freeze({ id: issuer ?? jwksUri ?? 'hs256', issuer, keys, algorithms, hs256, policy });
}

/** Validates options once, applies every default, and returns a frozen result. Throws `ConfigError`. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const problems = new Problems();
  if (typeof options !== 'object' || options === null) {
    problems.add('options', 'createVerifier needs an options object with at least audience, algorithms and issuer or jwksUri.');
    problems.throwIfAny();
  }
  const j: JwksOptions = options.jwks ?? {};
  const n = (key: keyof typeof JWKS_DEFAULTS, limits?: Parameters<typeof number>[4]) =>
    number(problems, `jwks.${key}`, j[key], JWKS_DEFAULTS[key] as number, limits);
  const jwks: ResolvedJwksOptions = Object.freeze({
    connectTimeoutMs: n('connectTimeoutMs', { min: 1 }),
    headersTimeoutMs: n('headersTimeoutMs', { min: 1 }),
    bodyTimeoutMs: n('bodyTimeoutMs', { min: 1 }),
    maxResponseBytes: n('maxResponseBytes', { min: 1024 }),
    maxRedirects: n('maxRedirects', { max: 5 }),
    defaultMaxAgeSec: n('defaultMaxAgeSec', { min: 1 }),
    minMaxAgeSec: n('minMaxAgeSec', { min: 0 }),
    maxMaxAgeSec: n('maxMaxAgeSec', { min: 1 }),
    refreshAheadRatio: n('refreshAheadRatio', { min: 0.1, max: 1, integer: false }),
    cooldownMs: n('cooldownMs'),
    maxStaleSec: n('maxStaleSec'),
    retryBaseMs: n('retryBaseMs', { min: 1 }),
    retryMaxMs: n('retryMaxMs', { min: 1 }),
    maxKeys: n('maxKeys', { min: 1, max: 10_000 }),
    allowHttp: j.allowHttp === true,
    dispatcher: j.dispatcher,
    fetcher: j.fetcher,
  });
  if (j.fetcher !== undefined && typeof (j.fetcher as Partial<JsonFetcher> | null)?.fetchJson !== 'function') problems.add('jwks.fetcher', 'must be an object with a fetchJson(url, { etag, signal }) method.');
  if (j.fetcher !== undefined && j.dispatcher !== undefined) problems.add('jwks.dispatcher', 'has no effect with jwks.fetcher: a custom fetcher does its own HTTP; set one of them.', 'jwks.fetcher');
  if (jwks.minMaxAgeSec > jwks.maxMaxAgeSec) problems.add('jwks.minMaxAgeSec', 'must not exceed jwks.maxMaxAgeSec.');

  const multi = options.issuers !== undefined;
  const list: readonly IssuerOptions[] = multi ? options.issuers : [options as IssuerOptions];
  if (!Array.isArray(list) || list.length === 0) problems.add('issuers', 'must list at least one trusted issuer.');
  const issuers = (Array.isArray(list) ? list : []).map((entry, i) => resolveIssuer(problems, multi ? `issuers[${i}].` : '', entry, options, jwks.allowHttp, multi));
  const seen = new Set<string>();
  for (const entry of issuers) {
    if (entry?.issuer === undefined) continue;
    if (seen.has(entry.issuer)) problems.add('issuers', `lists ${entry.issuer} twice.`);
    seen.add(entry.issuer);
  }

  const cacheOption = options.tokenCache;
  let tokenCache: ResolvedOptions['tokenCache'] = null;
  if (cacheOption === true) tokenCache = { maxEntries: VERIFIER_DEFAULTS.tokenCacheEntries };
  else if (typeof cacheOption === 'object' && cacheOption !== null) {
    tokenCache = { maxEntries: number(problems, 'tokenCache.maxEntries', cacheOption.maxEntries, VERIFIER_DEFAULTS.tokenCacheEntries, { min: 1 }) };
  } else if (cacheOption !== undefined && cacheOption !== false) problems.add('tokenCache', 'must be a boolean or { maxEntries }.');

  if (options.clock !== undefined && typeof options.clock !== 'function') problems.add('clock', 'must be a function returning epoch milliseconds.');
  const maxTokenBytes = number(problems, 'maxTokenBytes', options.maxTokenBytes, VERIFIER_DEFAULTS.maxTokenBytes, { min: 256 });
  problems.throwIfAny();
  return Object.freeze({ issuers: Object.freeze(issuers), maxTokenBytes, jwks, tokenCache, clock: options.clock ?? Date.now });
}
