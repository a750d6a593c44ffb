import { ConfigError } from './errors.js';
import type { Algorithm } from './algorithms.js';
import type { VerifierOptions } from './options.js';

/** Environment variables read by `optionsFromEnv`, with what each sets. */
export const ENVIRONMENT_VARIABLES = {
  TOLLGATE_ISSUER: 'issuer: expected iss; keys found through OIDC discovery unless TOLLGATE_JWKS_URI is set',
  TOLLGATE_JWKS_URI: 'jwksUri: JWKS URL (skips discovery)',
  TOLLGATE_AUDIENCE: 'audience: comma-separated accepted aud values (required)',
  TOLLGATE_ALGORITHMS: 'algorithms: comma-separated allowlist (default RS256)',
  TOLLGATE_HS256_SECRETS: 'hs256.secrets: comma-separated migration secrets, each >= 32 bytes (default: none; HS256 refused)',
  TOLLGATE_HS256_NOT_AFTER: 'hs256.notAfter: ISO date after which HS256 is refused (default: none)',
  TOLLGATE_TYP: 'typ: required typ header, e.g. at+jwt (default: not checked)',
  TOLLGATE_REQUIRED_CLAIMS: 'requiredClaims: comma-separated claim names (default: none)',
  TOLLGATE_CLOCK_TOLERANCE_SEC: 'clockToleranceSec (default 5)',
  TOLLGATE_MAX_TOKEN_AGE_SEC: 'maxTokenAgeSec (default: no limit)',
  TOLLGATE_MAX_TOKEN_BYTES: 'maxTokenBytes (default 8192)',
  TOLLGATE_TOKEN_CACHE: 'tokenCache: "true", "false" or a maximum entry count (default false)',
  TOLLGATE_JWKS_COOLDOWN_MS: 'jwks.cooldownMs (default 10000)',
  TOLLGATE_JWKS_ALLOW_HTTP: 'jwks.allowHttp: "true" to allow http: on non-loopback hosts (default false)',
} as const;

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/**
 * Builds verifier options from `TOLLGATE_*` variables. The only place tollgate
 * reads the environment; adapters call it when given no options. Collects
 * every missing or invalid variable and throws one `ConfigError` naming all.
 */
export function optionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): VerifierOptions {
  const problems: { name: string; message: string }[] = [];
  const get = (name: keyof typeof ENVIRONMENT_VARIABLES) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const int = (name: keyof typeof ENVIRONMENT_VARIABLES): number | undefined => {
    const raw = get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) problems.push({ name, message: `must be a non-negative integer, got ${JSON.stringify(raw)}` });
    return value;
  };
  const bool = (name: keyof typeof ENVIRONMENT_VARIABLES): boolean | undefined => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') problems.push({ name, message: 'must be "true" or "false"' });
    return raw === 'true';
  };

  const issuer = get('TOLLGATE_ISSUER');
  const jwksUri = get('TOLLGATE_JWKS_URI');
  const audience = list(get('TOLLGATE_AUDIENCE'));
  const algorithms = list(get('TOLLGATE_ALGORITHMS') ?? 'RS256') as Algorithm[];
  const secrets = list(get('TOLLGATE_HS256_SECRETS'));
  const onlyHs256 = algorithms.length > 0 && algorithms.every((a) => a === 'HS256');
  if (issuer === undefined && jwksUri === undefined && !onlyHs256) {
    problems.push({ name: 'TOLLGATE_ISSUER', message: 'or TOLLGATE_JWKS_URI must be set: where do the signing keys come from?' });
  }
  if (audience.length === 0) problems.push({ name: 'TOLLGATE_AUDIENCE', message: 'must be set to the audience this service accepts (comma-separated for several)' });

  let tokenCache: boolean | { maxEntries: number } | undefined;
  const cacheRaw = get('TOLLGATE_TOKEN_CACHE');
  if (cacheRaw !== undefined && /^\d+$/.test(cacheRaw)) tokenCache = { maxEntries: Number(cacheRaw) };
  else tokenCache = bool('TOLLGATE_TOKEN_CACHE');

  const cooldownMs = int('TOLLGATE_JWKS_COOLDOWN_MS');
  const allowHttp = bool('TOLLGATE_JWKS_ALLOW_HTTP');
  const options = {
    issuer,
    jwksUri,
    audience: audience.length === 1 ? audience[0]! : audience,
    algorithms,
    hs256: secrets.length > 0 ? { secrets, notAfter: get('TOLLGATE_HS256_NOT_AFTER') } : undefined,
    typ: get('TOLLGATE_TYP'),
    requiredClaims: list(get('TOLLGATE_REQUIRED_CLAIMS')),
    clockToleranceSec: int('TOLLGATE_CLOCK_TOLERANCE_SEC'),
    maxTokenAgeSec: int('TOLLGATE_MAX_TOKEN_AGE_SEC'),
    maxTokenBytes: int('TOLLGATE_MAX_TOKEN_BYTES'),
    tokenCache,
    jwks: { cooldownMs, allowHttp },
  } satisfies VerifierOptions;

  if (problems.length > 0) {
    const lines = problems.map((p) => `  - ${p.name} ${p.message}`).join('\n');
    throw new ConfigError(`tollgate could not start from environment variables:\n${lines}`, problems.map((p) => p.name));
  }
  return options;
}
