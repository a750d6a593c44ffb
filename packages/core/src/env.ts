import type { Algorithm } from './algorithms.js';
import { closestNames } from './closest-name.js';
import type { CommonVerifierOptions, ResourceIssuerOptions, VerifierOptions } from './options.js';
import { configError, faults, line, listOf, opt, Problems, see, type OptionNaming, type Problem } from './problems.js';
import { readOptions } from './resolve-options.js';

/** Environment variables read by `optionsFromEnv`, with what each sets. */
export const ENVIRONMENT_VARIABLES = {
  TOLLGATE_ISSUER: 'issuer: expected iss; keys found through OIDC discovery unless TOLLGATE_JWKS_URI is set',
  TOLLGATE_JWKS_URI: 'jwksUri: JWKS URL (skips discovery)',
  TOLLGATE_AUDIENCE: 'audience: comma-separated accepted aud values (required unless TOLLGATE_RESOURCE is set)',
  TOLLGATE_RESOURCE:
    "resource: this resource server's URL (RFC 8707/9728), an accepted audience and the subject of its metadata (default: none)",
  TOLLGATE_ALGORITHMS: 'algorithms: comma-separated allowlist (default RS256)',
  TOLLGATE_HS256_SECRETS:
    'hs256.secrets: comma-separated migration secrets, each >= 32 bytes (default: none; HS256 refused)',
  TOLLGATE_HS256_NOT_AFTER:
    'hs256.notAfter: ISO date or epoch milliseconds after which HS256 is refused (default: none)',
  TOLLGATE_TYP: 'typ: required typ header, e.g. at+jwt (default: not checked)',
  TOLLGATE_REQUIRED_CLAIMS: 'requiredClaims: comma-separated claim names (default: none)',
  TOLLGATE_CLOCK_TOLERANCE_SEC: 'clockToleranceSec (default 5)',
  TOLLGATE_MAX_TOKEN_AGE_SEC: 'maxTokenAgeSec (default: no limit)',
  TOLLGATE_MAX_TOKEN_BYTES: 'maxTokenBytes (default 8192)',
  TOLLGATE_TOKEN_CACHE: 'tokenCache: "true", "false" or a maximum entry count (default false)',
  TOLLGATE_JWKS_COOLDOWN_MS: 'jwks.cooldownMs (default 10000)',
  TOLLGATE_JWKS_ALLOW_HTTP: 'jwks.allowHttp: "true" to allow http: on non-loopback hosts (default false)',
} as const;

type Variable = keyof typeof ENVIRONMENT_VARIABLES;

/**
 * `TOLLGATE_*` variables that other tollgate packages read (`@tollgate/redis`'s CLI and the example
 * services): not verifier options, but not misspellings either, so they are left alone.
 */
const READ_ELSEWHERE: ReadonlySet<string> = new Set(['TOLLGATE_REDIS_URL']);
const VARIABLES = Object.keys(ENVIRONMENT_VARIABLES) as Variable[];

/** The option each variable sets: problems the options check finds are reported under the variable. */
const VARIABLE_OF: Readonly<Record<string, Variable>> = {
  issuer: 'TOLLGATE_ISSUER',
  jwksUri: 'TOLLGATE_JWKS_URI',
  audience: 'TOLLGATE_AUDIENCE',
  resource: 'TOLLGATE_RESOURCE',
  algorithms: 'TOLLGATE_ALGORITHMS',
  hs256: 'TOLLGATE_HS256_SECRETS',
  'hs256.secrets': 'TOLLGATE_HS256_SECRETS',
  'hs256.notAfter': 'TOLLGATE_HS256_NOT_AFTER',
  typ: 'TOLLGATE_TYP',
  requiredClaims: 'TOLLGATE_REQUIRED_CLAIMS',
  clockToleranceSec: 'TOLLGATE_CLOCK_TOLERANCE_SEC',
  maxTokenAgeSec: 'TOLLGATE_MAX_TOKEN_AGE_SEC',
  maxTokenBytes: 'TOLLGATE_MAX_TOKEN_BYTES',
  tokenCache: 'TOLLGATE_TOKEN_CACHE',
  'tokenCache.maxEntries': 'TOLLGATE_TOKEN_CACHE',
  'jwks.cooldownMs': 'TOLLGATE_JWKS_COOLDOWN_MS',
  'jwks.allowHttp': 'TOLLGATE_JWKS_ALLOW_HTTP',
};

const SECRET = /^hs256\.secrets\[(\d+)\]$/;

/** Shows option paths as the variables that set them: `hs256.secrets[1]` is `secret 2 of TOLLGATE_HS256_SECRETS`. */
const BY_VARIABLE: OptionNaming = {
  shown: (path) => {
    const secret = SECRET.exec(path);
    if (secret) return `secret ${Number(secret[1]) + 1} of TOLLGATE_HS256_SECRETS`;
    return VARIABLE_OF[path] ?? path;
  },
  listed: (path) => (SECRET.test(path) ? 'TOLLGATE_HS256_SECRETS' : (VARIABLE_OF[path] ?? path)),
};

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Problems in the order of the variables they name (unknown variables last), so related lines stay together. */
function byVariable(problems: readonly Problem[]): Problem[] {
  const rank = (problem: Problem) => {
    const index = VARIABLES.indexOf(faults(problem, BY_VARIABLE)[0] as Variable);
    return index < 0 ? VARIABLES.length : index;
  };
  return problems
    .map((problem, i) => ({ problem, i, rank: rank(problem) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((entry) => entry.problem);
}

/**
 * Builds verifier options from `TOLLGATE_*` variables. The only place tollgate reads the
 * environment; adapters call it when given no options. Validates everything in one pass (the
 * variables themselves and the options they make) and throws one `ConfigError` that lists every
 * problem, each naming the variable to change, including unknown `TOLLGATE_*` variables.
 */
export function optionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): VerifierOptions {
  const problems = new Problems();
  const get = (name: Variable) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const int = (name: Variable): number | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 0) return value;
    problems.add(line`${opt(name)} must be a whole number, got ${JSON.stringify(raw)}.`);
    return undefined;
  };
  const bool = (name: Variable): boolean | undefined => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined || raw === 'true' || raw === 'false') return raw === undefined ? undefined : raw === 'true';
    problems.add(line`${opt(name)} must be "true" or "false", got ${JSON.stringify(get(name))}.`);
    return undefined;
  };

  for (const name of Object.keys(env)) {
    if (!name.startsWith('TOLLGATE_') || Object.hasOwn(ENVIRONMENT_VARIABLES, name) || READ_ELSEWHERE.has(name))
      continue;
    if (!env[name]?.trim()) continue;
    // A misspelt variable would otherwise leave its default in force without a word (TOLLGATE_ALGORITHM: RS256).
    const near = closestNames(name, VARIABLES);
    if (near.length > 0)
      problems.add([opt(name), ' is not a tollgate variable; did you mean ', ...listOf(near.map(see)), '?']);
    else
      problems.add(
        line`${opt(name)} is not a tollgate variable; the variables tollgate reads are listed in the README.`,
      );
  }

  const audience = list(get('TOLLGATE_AUDIENCE'));
  const resource = get('TOLLGATE_RESOURCE');
  if (audience.length === 0 && resource === undefined) {
    problems.add(
      line`${opt('TOLLGATE_AUDIENCE')} must be set to the audience this service accepts (comma-separated for several), or ${see('TOLLGATE_RESOURCE')} to its resource URL.`,
    );
  }
  const secrets = list(get('TOLLGATE_HS256_SECRETS'));
  const notAfter = get('TOLLGATE_HS256_NOT_AFTER');
  if (notAfter !== undefined && secrets.length === 0) {
    problems.add(
      line`${opt('TOLLGATE_HS256_NOT_AFTER')} is set but ${see('TOLLGATE_HS256_SECRETS')} is not; the end date applies to HS256 migration secrets only.`,
    );
  }

  let tokenCache: boolean | { maxEntries: number } | undefined;
  const cacheRaw = get('TOLLGATE_TOKEN_CACHE');
  if (cacheRaw !== undefined) {
    if (/^\d+$/.test(cacheRaw)) tokenCache = { maxEntries: Number(cacheRaw) };
    else if (/^(true|false)$/i.test(cacheRaw)) tokenCache = cacheRaw.toLowerCase() === 'true';
    else
      problems.add(
        line`${opt('TOLLGATE_TOKEN_CACHE')} takes "true", "false" or a maximum entry count such as 10000, got ${JSON.stringify(cacheRaw)}.`,
      );
  }

  const options = {
    issuer: get('TOLLGATE_ISSUER'),
    jwksUri: get('TOLLGATE_JWKS_URI'),
    audience: audience.length === 0 ? undefined : audience.length === 1 ? audience[0]! : audience,
    resource,
    algorithms: list(get('TOLLGATE_ALGORITHMS') ?? 'RS256') as Algorithm[],
    hs256: secrets.length > 0 ? { secrets, notAfter } : undefined,
    typ: get('TOLLGATE_TYP'),
    requiredClaims: list(get('TOLLGATE_REQUIRED_CLAIMS')),
    clockToleranceSec: int('TOLLGATE_CLOCK_TOLERANCE_SEC'),
    maxTokenAgeSec: int('TOLLGATE_MAX_TOKEN_AGE_SEC'),
    maxTokenBytes: int('TOLLGATE_MAX_TOKEN_BYTES'),
    tokenCache,
    jwks: { cooldownMs: int('TOLLGATE_JWKS_COOLDOWN_MS'), allowHttp: bool('TOLLGATE_JWKS_ALLOW_HTTP') },
  } satisfies Partial<CommonVerifierOptions & ResourceIssuerOptions>;

  // The options check runs here too, so one error holds every problem, each under its variable.
  // A variable already reported above is not reported twice.
  const reported = new Set(problems.list.flatMap((problem) => faults(problem, BY_VARIABLE)));
  const checked = new Problems();
  // Whether audience or resource is missing was reported above; readOptions checks the rest.
  readOptions(options as VerifierOptions, checked);
  for (const problem of checked.list) {
    if (!faults(problem, BY_VARIABLE).every((name) => reported.has(name))) problems.add(problem);
  }
  if (problems.list.length > 0)
    throw configError('tollgate could not start from environment variables', byVariable(problems.list), BY_VARIABLE);
  return options as VerifierOptions;
}
