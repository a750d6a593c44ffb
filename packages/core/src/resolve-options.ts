import type { Dispatcher } from 'undici';
import { SUPPORTED_ALGORITHMS, isSupportedAlgorithm, type Algorithm } from './algorithms.js';
import type { JsonFetcher } from './http-fetcher.js';
import { ConfigError } from './errors.js';
import { isAllowedKeyUrl } from './key-url.js';
import type { VerifierLogger } from './operator-log.js';
import type { RevocationCheck } from './revocation.js';
import type {
  ClaimCheck,
  ClaimPolicyOptions,
  CommonVerifierOptions,
  Hs256Options,
  IssuerOptions,
  JwksOptions,
  TokenCacheOptions,
  VerifierOptions,
} from './options.js';
import { line, listOf, opt, Problems, see } from './problems.js';
import { checkResource } from './resource-metadata.js';
import { refuseUnknownOptions } from './unknown-options.js';

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
  /** The `resource` option (RFC 8707), already added to every issuer's accepted audiences. */
  readonly resource: string | undefined;
  readonly issuers: readonly ResolvedIssuer[];
  readonly maxTokenBytes: number;
  readonly jwks: ResolvedJwksOptions;
  readonly tokenCache: { readonly maxEntries: number } | null;
  readonly clock: () => number;
  /** `null` when silenced with `logger: false`. */
  readonly logger: VerifierLogger | null;
  readonly revocation: RevocationCheck | null;
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

/** The names an options object accepts, typed so that a new option does not compile until it is listed. */
const names = <T>(keys: Record<keyof T, true>): ReadonlySet<string> => new Set(Object.keys(keys));
const union = (...sets: ReadonlySet<string>[]): ReadonlySet<string> => new Set(sets.flatMap((set) => [...set]));

const POLICY_OPTIONS = names<ClaimPolicyOptions>({
  clockToleranceSec: true,
  maxTokenAgeSec: true,
  requireExp: true,
  typ: true,
  requiredClaims: true,
  checkClaims: true,
});
const ISSUER_ONLY = names<Omit<IssuerOptions, keyof ClaimPolicyOptions>>({
  issuer: true,
  jwksUri: true,
  audience: true,
  algorithms: true,
  hs256: true,
});
const VERIFIER_WIDE = union(
  names<Omit<CommonVerifierOptions, keyof ClaimPolicyOptions>>({
    resource: true,
    maxTokenBytes: true,
    jwks: true,
    tokenCache: true,
    clock: true,
    logger: true,
    revocation: true,
  }),
  new Set(['issuers']),
);
const JWKS_OPTIONS = names<JwksOptions>({
  connectTimeoutMs: true,
  headersTimeoutMs: true,
  bodyTimeoutMs: true,
  maxResponseBytes: true,
  maxRedirects: true,
  defaultMaxAgeSec: true,
  minMaxAgeSec: true,
  maxMaxAgeSec: true,
  refreshAheadRatio: true,
  cooldownMs: true,
  maxStaleSec: true,
  retryBaseMs: true,
  retryMaxMs: true,
  maxKeys: true,
  allowHttp: true,
  dispatcher: true,
  fetcher: true,
});
const HS256_OPTIONS = names<Hs256Options>({ secrets: true, notAfter: true });
const TOKEN_CACHE_OPTIONS = names<TokenCacheOptions>({ maxEntries: true });

/** Every option `createVerifier` accepts at the top level, with one issuer inline or several under `issuers`. */
export const VERIFIER_OPTION_NAMES: ReadonlySet<string> = union(VERIFIER_WIDE, POLICY_OPTIONS, ISSUER_ONLY);

/** A value as a message shows it: strings quoted, so `"5000"` (a string) differs from `5000`. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function number(
  problems: Problems,
  option: string,
  value: unknown,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    problems.add(line`${opt(option)} must be ${integer ? 'an integer' : 'a number'} ${range}, got ${shown(value)}.`);
    return fallback;
  }
  return value;
}

function url(problems: Problems, option: string, value: unknown, allowHttp: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    problems.add(line`${opt(option)} must be a non-empty URL string, got ${shown(value)}.`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.add(line`${opt(option)} must be an absolute URL such as "https://auth.example.com", got ${shown(value)}.`);
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    problems.add(line`${opt(option)} must use https:, not ${parsed.protocol}.`);
  } else if (!isAllowedKeyUrl(parsed, allowHttp)) {
    problems.add(
      line`${opt(option)} uses http: for a host that is not loopback; keys must come over https (or set ${see('jwks.allowHttp')} to true on a trusted network).`,
    );
  }
  return value;
}

function secretBytes(problems: Problems, option: string, secret: unknown): Uint8Array | undefined {
  const bytes =
    typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? secret : undefined;
  if (bytes === undefined) {
    problems.add(line`${opt(option)} must be a string or a Uint8Array.`);
    return undefined;
  }
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    // Length only: the secret itself never appears in an error.
    const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
    problems.add(
      line`${opt(option)} is ${size} long; HS256 secrets must be at least ${MIN_HS256_SECRET_BYTES} bytes (RFC 7518 3.2), so use a longer random secret.`,
    );
    return undefined;
  }
  return bytes;
}

/** Dates a migration window can plausibly end on; outside them the value is almost certainly in the wrong unit. */
const EARLIEST_END_MS = Date.UTC(2001, 0, 1);
const LATEST_END_MS = Date.UTC(2100, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** `hs256.notAfter` in epoch ms. Refuses values whose unit is in doubt rather than guess it. */
function endOfWindow(problems: Problems, option: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const fromDigits = typeof value === 'string' && /^\d+$/.test(value.trim());
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? fromDigits
            ? Number(value)
            : Date.parse(value)
          : Number.NaN;
  const forms = "a Date, an ISO 8601 string such as '2026-06-30T00:00:00Z', or epoch milliseconds";
  if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof Date)) {
    problems.add(line`${opt(option)} must be ${forms}; got ${shown(value)}.`);
    return null;
  }
  if (!Number.isFinite(ms)) {
    problems.add(
      line`${opt(option)} is not a valid date (${value instanceof Date ? 'an invalid Date' : shown(value)}); use ${forms}.`,
    );
    return null;
  }
  const given =
    value instanceof Date ? `the Date ${iso(ms)}` : typeof value === 'number' || fromDigits ? String(ms) : shown(value);
  if (ms < EARLIEST_END_MS) {
    if (ms * 1000 >= EARLIEST_END_MS && ms * 1000 < LATEST_END_MS) {
      problems.add(
        line`${opt(option)} is ${given}, which as epoch milliseconds is ${iso(ms)}; it looks like epoch seconds. Write ${ms * 1000} (milliseconds, ${iso(ms * 1000)}), a Date or an ISO 8601 string.`,
      );
    } else {
      problems.add(
        line`${opt(option)} is ${given}, before 2001, which cannot be the end of a migration still under way; use ${forms}.`,
      );
    }
    return null;
  }
  if (ms >= LATEST_END_MS) {
    problems.add(
      line`${opt(option)} is ${given}, after 2100; it takes ${forms} (not microseconds). For no end date, leave ${see(option)} unset.`,
    );
    return null;
  }
  return ms;
}

type Policy = Omit<ResolvedClaimPolicy, 'issuer' | 'audience'>;
const DEFAULT_POLICY: Policy = Object.freeze({
  clockToleranceSec: VERIFIER_DEFAULTS.clockToleranceSec,
  maxTokenAgeSec: null,
  requireExp: VERIFIER_DEFAULTS.requireExp,
  typ: null,
  requiredClaims: Object.freeze([]),
  checkClaims: undefined,
});

/** Checks the claim-policy options set on `values`; returns those set, resolved, to lay over the defaults. */
function policyOverrides(problems: Problems, at: string, values: ClaimPolicyOptions): Partial<Policy> {
  const out: { -readonly [K in keyof Policy]?: Policy[K] } = {};
  const { clockToleranceSec, maxTokenAgeSec, requireExp, typ, requiredClaims, checkClaims } = values;
  if (clockToleranceSec !== undefined)
    out.clockToleranceSec = number(
      problems,
      `${at}clockToleranceSec`,
      clockToleranceSec,
      DEFAULT_POLICY.clockToleranceSec,
      { max: 3600 },
    );
  if (maxTokenAgeSec !== undefined)
    out.maxTokenAgeSec =
      maxTokenAgeSec === null ? null : number(problems, `${at}maxTokenAgeSec`, maxTokenAgeSec, 0, { min: 1 });
  if (requireExp !== undefined) {
    if (typeof requireExp === 'boolean') out.requireExp = requireExp;
    else problems.add(line`${opt(`${at}requireExp`)} must be true or false, got ${shown(requireExp)}.`);
  }
  if (typ !== undefined) {
    if (typ === null) out.typ = null;
    else if (typeof typ === 'string' && typ.length > 0) out.typ = normalizeTyp(typ);
    else problems.add(line`${opt(`${at}typ`)} must be a non-empty string such as 'at+jwt', or null.`);
  }
  if (requiredClaims !== undefined) {
    if (Array.isArray(requiredClaims) && requiredClaims.every((c) => typeof c === 'string'))
      out.requiredClaims = Object.freeze([...requiredClaims]);
    else problems.add(line`${opt(`${at}requiredClaims`)} must be an array of claim names such as ['sub', 'jti'].`);
  }
  if (checkClaims !== undefined) {
    if (typeof checkClaims === 'function') out.checkClaims = checkClaims;
    else problems.add(line`${opt(`${at}checkClaims`)} must be a function (claims, header) => void.`);
  }
  return out;
}

/** RFC 8725 3.11 / RFC 9068: `typ` compares case-insensitively, `application/` prefix optional. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** The accepted audiences: `audience`, with the resource first when one is configured (RFC 8707). */
function audienceOf(
  problems: Problems,
  at: string,
  value: unknown,
  resource: string | undefined,
): readonly string[] | null {
  if (value === undefined) {
    if (resource !== undefined) return Object.freeze([resource]);
    problems.add(line`${opt(`${at}audience`)} is required; pass null to skip the audience check on purpose.`);
    return null;
  }
  if (value === null) {
    // With a resource, null would accept tokens minted for any other resource.
    if (resource !== undefined)
      problems.add(
        line`${opt(`${at}audience`)} cannot be null with ${see('resource')}: tokens must be meant for this resource; leave audience out to accept the resource alone.`,
      );
    return null;
  }
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a.length === 0)) {
    problems.add(line`${opt(`${at}audience`)} must be a non-empty string, a non-empty array of strings, or null.`);
    return null;
  }
  return Object.freeze([...new Set(resource === undefined ? (list as string[]) : [resource, ...(list as string[])])]);
}

/** Checks `resource` (RFC 8707 / RFC 9728): an https URL, loopback http for development. */
function resourceOf(problems: Problems, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return checkResource(value, 'resource');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.add(line`${opt('resource')}${error.message.slice('resource'.length)}`);
    return undefined;
  }
}

function algorithmsOf(problems: Problems, at: string, value: unknown): Set<Algorithm> {
  const algorithms = new Set<Algorithm>();
  const option = opt(`${at}algorithms`);
  if (value === undefined) problems.add(line`${option} is required: list the accepted algorithms, e.g. ['RS256'].`);
  else if (typeof value === 'string')
    problems.add(line`${option} must be an array such as ['RS256'], not a string (${shown(value)}).`);
  else if (!Array.isArray(value))
    problems.add(line`${option} must be an array such as ['RS256'], got ${shown(value)}.`);
  else if (value.length === 0) problems.add(line`${option} must list at least one algorithm, e.g. ['RS256'].`);
  else {
    for (const alg of value as unknown[]) {
      if (typeof alg === 'string' && alg.toLowerCase() === 'none')
        problems.add(line`${option} lists ${shown(alg)}, which is never accepted.`);
      else if (!isSupportedAlgorithm(alg))
        problems.add(
          line`${option} lists ${shown(alg)}, which is not supported; the supported algorithms are ${listOf([...SUPPORTED_ALGORITHMS], 'and').join('')}.`,
        );
      else algorithms.add(alg);
    }
  }
  return algorithms;
}

function hs256Of(
  problems: Problems,
  at: string,
  value: unknown,
  algorithms: ReadonlySet<Algorithm>,
): ResolvedIssuer['hs256'] {
  const hs256 = `${at}hs256`;
  let resolved: ResolvedIssuer['hs256'] = null;
  if (value !== undefined && value !== null) {
    if (!isObject(value)) {
      problems.add(line`${opt(hs256)} must be an object such as { secrets: [process.env.JWT_SECRET] }, or null.`);
      return null;
    }
    refuseUnknownOptions(problems, value, HS256_OPTIONS, { at: `${hs256}.` });
    const secrets = value.secrets;
    if (!Array.isArray(secrets) || secrets.length === 0) {
      problems.add(line`${opt(`${hs256}.secrets`)} must list at least one secret.`);
    } else {
      const bytes = secrets
        .map((s, i) => secretBytes(problems, `${hs256}.secrets[${i}]`, s))
        .filter((b): b is Uint8Array => b !== undefined);
      resolved = { secrets: bytes, notAfterMs: endOfWindow(problems, `${hs256}.notAfter`, value.notAfter) };
    }
    if (algorithms.size > 0 && !algorithms.has('HS256')) {
      problems.add(
        line`${opt(`${at}algorithms`)} must include 'HS256' when ${see(`${hs256}.secrets`)} are configured (or remove ${see(hs256)} to refuse HS256).`,
      );
    }
  } else if (algorithms.has('HS256')) {
    problems.add(
      line`${opt(`${at}algorithms`)} lists 'HS256' but no ${see(`${hs256}.secrets`)} are configured; HS256 is verified only against explicit migration secrets.`,
    );
  }
  return resolved;
}

function resolveIssuer(
  problems: Problems,
  at: string,
  entry: unknown,
  shared: Partial<Policy>,
  allowHttp: boolean,
  multi: boolean,
  resource: string | undefined,
): ResolvedIssuer | undefined {
  if (!isObject(entry)) {
    problems.add(line`${opt(at.replace(/\.$/, '') || 'options')} must be an object.`);
    return undefined;
  }
  const options = entry as unknown as IssuerOptions;
  if (multi) {
    refuseUnknownOptions(problems, entry, union(POLICY_OPTIONS, ISSUER_ONLY), {
      at,
      elsewhere: [
        {
          names: VERIFIER_WIDE,
          advice: (one) => `verifier-wide: set ${one ? 'it' : 'them'} at the top level, next to issuers.`,
        },
      ],
    });
  }
  const issuer = url(problems, `${at}issuer`, options.issuer, allowHttp);
  const jwksUri = url(problems, `${at}jwksUri`, options.jwksUri, allowHttp);
  if (multi && options.issuer === undefined)
    problems.add(line`${opt(`${at}issuer`)} is required on each entry of issuers: the token's iss selects the entry.`);
  const audience = audienceOf(problems, at, options.audience, resource);
  const algorithms = algorithmsOf(problems, at, options.algorithms);
  const hs256 = hs256Of(problems, at, options.hs256, algorithms);

  const asymmetric = [...algorithms].filter((alg) => alg !== 'HS256');
  let keys: ResolvedIssuer['keys'] = null;
  if (asymmetric.length > 0) {
    if (jwksUri !== undefined) keys = { jwksUri };
    else if (issuer !== undefined) keys = { discover: issuer };
    // With issuers, a missing issuer is reported above; once set, it finds the keys.
    else if (!multi && options.issuer === undefined && options.jwksUri === undefined) {
      problems.add(
        line`${opt(`${at}issuer`)} or ${opt(`${at}jwksUri`)} is required to find the keys for ${listOf(asymmetric, 'and').join('')}.`,
      );
    }
  }
  const own = multi ? policyOverrides(problems, at, options) : {};
  const policy: ResolvedClaimPolicy = Object.freeze({ ...DEFAULT_POLICY, ...shared, ...own, issuer, audience });
  return Object.freeze({ id: issuer ?? jwksUri ?? 'hs256', issuer, keys, algorithms, hs256, policy });
}

function jwksOf(problems: Problems, value: unknown): ResolvedJwksOptions {
  let j: JwksOptions = {};
  if (isObject(value)) {
    refuseUnknownOptions(problems, value, JWKS_OPTIONS, { at: 'jwks.' });
    j = value;
  } else if (value !== undefined) problems.add(line`${opt('jwks')} must be an object such as { cooldownMs: 5000 }.`);
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
  if (j.allowHttp !== undefined && typeof j.allowHttp !== 'boolean')
    problems.add(line`${opt('jwks.allowHttp')} must be true or false, got ${shown(j.allowHttp)}.`);
  if (j.fetcher !== undefined && typeof (j.fetcher as Partial<JsonFetcher> | null)?.fetchJson !== 'function')
    problems.add(line`${opt('jwks.fetcher')} must be an object with a fetchJson(url, { etag, signal }) method.`);
  if (j.fetcher !== undefined && j.dispatcher !== undefined)
    problems.add(
      line`${opt('jwks.dispatcher')} has no effect with ${opt('jwks.fetcher')}, which does its own HTTP; set one of them.`,
    );
  if (jwks.minMaxAgeSec > jwks.maxMaxAgeSec)
    problems.add(line`${opt('jwks.minMaxAgeSec')} must not exceed ${see('jwks.maxMaxAgeSec')}.`);
  return jwks;
}

function tokenCacheOf(problems: Problems, value: unknown): ResolvedOptions['tokenCache'] {
  if (value === undefined || value === false) return null;
  if (value === true) return { maxEntries: VERIFIER_DEFAULTS.tokenCacheEntries };
  if (isObject(value)) {
    refuseUnknownOptions(problems, value, TOKEN_CACHE_OPTIONS, { at: 'tokenCache.' });
    return {
      maxEntries: number(problems, 'tokenCache.maxEntries', value.maxEntries, VERIFIER_DEFAULTS.tokenCacheEntries, {
        min: 1,
      }),
    };
  }
  problems.add(line`${opt('tokenCache')} must be true, false or { maxEntries }, got ${shown(value)}.`);
  return null;
}

function loggerOf(problems: Problems, value: unknown): VerifierLogger | null {
  if (value === false) return null;
  if (value === undefined) return console;
  if (typeof value === 'object' && value !== null && typeof (value as VerifierLogger).warn === 'function')
    return value as VerifierLogger;
  problems.add(line`${opt('logger')} must be false or an object with a warn(message) method, such as console.`);
  return null;
}

/**
 * Checks every option and applies every default, recording each problem in `problems` rather
 * than throwing, so `optionsFromEnv` can report them with its own, in its own names.
 */
export function readOptions(options: VerifierOptions, problems: Problems): ResolvedOptions {
  if (!isObject(options)) {
    problems.add(line`${opt('options')} must be an object with at least audience, algorithms, and issuer or jwksUri.`);
    return undefined as never;
  }
  const multi = options.issuers !== undefined;
  refuseUnknownOptions(problems, options, multi ? union(VERIFIER_WIDE, POLICY_OPTIONS) : VERIFIER_OPTION_NAMES, {
    elsewhere: multi
      ? [
          {
            names: ISSUER_ONLY,
            advice: (one) => `set per issuer: with issuers, set ${one ? 'it' : 'them'} on each entry.`,
          },
        ]
      : undefined,
  });
  const jwks = jwksOf(problems, options.jwks);
  const shared = policyOverrides(problems, '', options);
  const resource = resourceOf(problems, options.resource);

  let issuers: (ResolvedIssuer | undefined)[] = [];
  if (!multi) issuers = [resolveIssuer(problems, '', options, shared, jwks.allowHttp, false, resource)];
  else if (!Array.isArray(options.issuers)) problems.add(line`${opt('issuers')} must be an array of issuer entries.`);
  else if (options.issuers.length === 0) problems.add(line`${opt('issuers')} must list at least one trusted issuer.`);
  else
    issuers = options.issuers.map((entry, i) =>
      resolveIssuer(problems, `issuers[${i}].`, entry, shared, jwks.allowHttp, true, resource),
    );
  const seen = new Set<string>();
  for (const entry of issuers) {
    if (entry?.issuer === undefined) continue;
    if (seen.has(entry.issuer))
      problems.add(line`${opt('issuers')} lists ${entry.issuer} twice; list each issuer once.`);
    seen.add(entry.issuer);
  }

  const tokenCache = tokenCacheOf(problems, options.tokenCache);
  if (options.clock !== undefined && typeof options.clock !== 'function')
    problems.add(line`${opt('clock')} must be a function returning epoch milliseconds.`);
  const maxTokenBytes = number(problems, 'maxTokenBytes', options.maxTokenBytes, VERIFIER_DEFAULTS.maxTokenBytes, {
    min: 256,
  });
  const logger = loggerOf(problems, options.logger);
  const { revocation } = options;
  if (
    revocation !== undefined &&
    (typeof revocation !== 'object' || revocation === null || typeof revocation.revoked !== 'function')
  ) {
    problems.add(
      line`${opt('revocation')} must be a revocation check with a revoked(claims, nowMs) method, such as a RevocationList or @tollgate/redis's mirror.`,
    );
  }
  return Object.freeze({
    resource,
    issuers: Object.freeze(issuers.filter((entry): entry is ResolvedIssuer => entry !== undefined)),
    maxTokenBytes,
    jwks,
    tokenCache,
    clock: options.clock ?? Date.now,
    logger,
    revocation: typeof revocation?.revoked === 'function' ? revocation : null,
  });
}

/** Validates options once, applies every default, and returns a frozen result. Throws one `ConfigError` listing every problem. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const problems = new Problems();
  const resolved = readOptions(options, problems);
  problems.throwIfAny();
  return resolved;
}
