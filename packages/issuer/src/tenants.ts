import { isSigningAlgorithm, MIN_HS256_SECRET_BYTES, SIGNING_ALGORITHMS, type SigningAlgorithm } from './algorithms.js';
import { IssuerConfigError } from './errors.js';
import { isResourceIndicator } from './resource.js';

/** An OAuth 2.0 client allowed to use the token endpoint of one tenant. */
export interface ClientConfig {
  /** The `client_id`. */
  id: string;
  /** The `client_secret`. Give this or `secretEnv`. */
  secret?: string;
  /** Name of an environment variable holding the `client_secret`. */
  secretEnv?: string;
  /** Scopes the client may request; a request without `scope` gets all of them. Default: none. */
  scopes?: readonly string[];
  /** Grant types the client may use. Default: `['client_credentials']`. */
  grantTypes?: readonly string[];
  /**
   * Refuse this client's token requests that carry no DPoP proof, so every token it gets is
   * DPoP-bound (RFC 9449 §5.2 `dpop_bound_access_tokens`). Default: `false` (DPoP when the client sends a proof).
   */
  requireDpop?: boolean;
  /**
   * Resources (RFC 8707 resource indicators: absolute URIs without fragment) the client may ask
   * a token for with the `resource` parameter; the token's `aud` is then the resource(s). A
   * resource not listed gets `400 invalid_target`. Default: none (no `resource` parameter accepted).
   */
  resources?: readonly string[];
  /**
   * `acr` claim of this client's tokens (RFC 9470 step-up), e.g. `urn:example:mfa`; its tokens
   * also get `auth_time` = the time of the token request. Default: none.
   */
  acr?: string;
  /** `amr` claim of this client's tokens (RFC 8176 values, e.g. `['pwd', 'otp']`); adds `auth_time` too. Default: none. */
  amr?: readonly string[];
}

/**
 * One tenant: its own issuer URL, audience, algorithm, keys and clients.
 * In a tenants file the same settings sit under `spec`, in snake_case (see the README).
 */
export interface TenantConfig {
  /** Lower-case letters, digits, `.`, `_` and `-`; part of the tenant's URL and key file name. */
  name: string;
  /** Algorithm new tokens are signed with. Default: the issuer's `algorithm` option (`RS256`). */
  algorithm?: SigningAlgorithm;
  /** The `aud` claim of tokens. Default: `api://<name>`. */
  audience?: string | readonly string[];
  /**
   * Overrides the `iss` claim and the discovered `issuer`. Default: the tenant's URL on this server.
   * Only useful for verifiers that use the JWKS URI directly, or to test an issuer mismatch.
   */
  issuer?: string;
  /** Informational, as in Uitsmijter tenant files; requests are routed by path, not host. */
  hosts?: readonly string[];
  /** Clients for the token endpoint. Default: none (the built-in default tenant has one, see README). */
  clients?: readonly ClientConfig[];
  /** Lifetime of issued tokens in seconds. Default: 900 (15 minutes). */
  tokenLifetimeSec?: number;
  /** The `typ` header of issued tokens, e.g. `at+jwt` (RFC 9068). Default: `JWT`. */
  typ?: string;
  /** Shared secret for HS256 (at least 32 bytes). Give this or `hs256SecretEnv` if the tenant ever signs HS256. */
  hs256Secret?: string;
  /** Name of an environment variable holding the HS256 secret. */
  hs256SecretEnv?: string;
  /**
   * Make DPoP token requests carry a server nonce (RFC 9449 §8): a proof without a current one
   * gets `400 use_dpop_nonce` and a `DPoP-Nonce` header to retry with. Default: the issuer's
   * `dpopNonce` option (`false`).
   */
  dpopNonce?: boolean;
}

/** A client after validation, secret resolved. */
export interface ResolvedClient {
  readonly id: string;
  readonly secret: string;
  readonly scopes: readonly string[];
  readonly grantTypes: readonly string[];
  readonly requireDpop: boolean;
  readonly resources: readonly string[];
  readonly acr: string | undefined;
  readonly amr: readonly string[] | undefined;
}

/** A tenant after validation, with every default applied. */
export interface ResolvedTenant {
  readonly name: string;
  /** URL path of the tenant below the base URL: `''` for the root tenant, else `/tenants/<name>`. */
  readonly path: string;
  readonly algorithm: SigningAlgorithm;
  readonly audience: string | readonly string[];
  readonly issuerOverride: string | undefined;
  readonly hosts: readonly string[];
  readonly clients: readonly ResolvedClient[];
  readonly tokenLifetimeSec: number;
  readonly typ: string;
  readonly hs256Secret: Uint8Array | undefined;
  /** Union of the clients' scopes, advertised in discovery. */
  readonly scopes: readonly string[];
  readonly dpopNonce: boolean;
}

/** Maps a `TenantConfig` field to the name the user wrote, for error messages. */
export type FieldNamer = (field: string) => string;

export const DEFAULT_TOKEN_LIFETIME_SEC = 900;
const NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;
// RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validates one tenant and applies defaults. Throws `IssuerConfigError` naming the field. */
export function resolveTenant(
  config: TenantConfig,
  ctx: {
    field: FieldNamer;
    /** Appended to the field name in messages, e.g. ` (tenant "acme" in tenants.yaml)`. */
    where?: string;
    defaultAlgorithm: SigningAlgorithm;
    /** The issuer's `dpopNonce`. Default: `false`. */
    defaultDpopNonce?: boolean;
    env: Readonly<Record<string, string | undefined>>;
    root: boolean;
  },
): ResolvedTenant {
  const { field, env } = ctx;
  const where = ctx.where ?? '';
  const fail = (name: string, message: string): never => {
    throw new IssuerConfigError(field(name), `${field(name)}${where} ${message}`);
  };
  if (typeof config !== 'object' || config === null) fail('name', 'belongs to a tenant that is not an object');
  const { name } = config;
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail(
      'name',
      `must be 1-63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
  const algorithm = config.algorithm ?? ctx.defaultAlgorithm;
  if (!isSigningAlgorithm(algorithm))
    fail('algorithm', `must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${JSON.stringify(algorithm)}`);

  const audience = config.audience ?? `api://${name}`;
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    !audiences.every((a) => typeof a === 'string' && a !== '')
  ) {
    fail('audience', 'must be a non-empty string or a non-empty list of non-empty strings');
  }

  const issuerOverride = config.issuer;
  if (issuerOverride !== undefined && !isHttpUrl(issuerOverride))
    fail('issuer', `must be an http(s) URL; got ${JSON.stringify(issuerOverride)}`);

  const hosts = config.hosts ?? [];
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === 'string'))
    fail('hosts', 'must be a list of host names');

  const tokenLifetimeSec = config.tokenLifetimeSec ?? DEFAULT_TOKEN_LIFETIME_SEC;
  if (!Number.isInteger(tokenLifetimeSec) || tokenLifetimeSec <= 0)
    fail('tokenLifetimeSec', `must be a positive whole number of seconds; got ${String(tokenLifetimeSec)}`);

  const typ = config.typ ?? 'JWT';
  if (typeof typ !== 'string' || typ === '') fail('typ', 'must be a non-empty string');

  const hs256Secret = resolveSecret(config, { field, where, env, fail });
  if (algorithm === 'HS256' && !hs256Secret) {
    fail(
      'algorithm',
      `is HS256, which needs a shared secret: set ${field('hs256Secret')} or ${field('hs256SecretEnv')} (HS256 is never used implicitly)`,
    );
  }

  const dpopNonce = config.dpopNonce ?? ctx.defaultDpopNonce ?? false;
  if (typeof dpopNonce !== 'boolean') fail('dpopNonce', 'must be a boolean');

  const clientList = config.clients ?? [];
  if (!isList(clientList)) fail('clients', 'must be a list');
  const ids = new Set<string>();
  const clients = clientList.map((client, i) => {
    const resolved = resolveClient(client, `clients[${i}]`, { field, where, env, fail });
    if (ids.has(resolved.id)) fail(`clients[${i}].id`, `repeats client id ${JSON.stringify(resolved.id)}`);
    ids.add(resolved.id);
    return resolved;
  });

  return {
    name,
    path: ctx.root ? '' : `/tenants/${name}`,
    algorithm,
    audience: typeof audience === 'string' ? audience : [...audience],
    issuerOverride,
    hosts: [...hosts],
    clients,
    tokenLifetimeSec,
    typ,
    hs256Secret,
    scopes: [...new Set(clients.flatMap((c) => c.scopes))].sort(),
    dpopNonce,
  };
}

/** Checks that an HS256 secret is long enough; the message never contains the secret. */
export function checkHs256Secret(secret: Uint8Array, field: string, where = ''): void {
  if (secret.byteLength < MIN_HS256_SECRET_BYTES) {
    throw new IssuerConfigError(
      field,
      `${field}${where}: the HS256 secret is ${secret.byteLength} bytes; HS256 needs at least ${MIN_HS256_SECRET_BYTES} bytes (RFC 7518 §3.2), e.g. \`openssl rand -base64 48\``,
    );
  }
}

/** Internal: `Array.isArray` without its narrowing of a readonly list to `any[]`, which would lose the element type. */
export const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

type Fail = (name: string, message: string) => never;
interface Ctx {
  field: FieldNamer;
  where: string;
  env: Readonly<Record<string, string | undefined>>;
  fail: Fail;
}

function resolveSecret(config: TenantConfig, ctx: Ctx): Uint8Array | undefined {
  const text = secretFrom(config.hs256Secret, config.hs256SecretEnv, 'hs256Secret', 'hs256SecretEnv', ctx);
  if (text === undefined) return undefined;
  const bytes = new TextEncoder().encode(text);
  const from = config.hs256SecretEnv === undefined ? '' : ` (from ${config.hs256SecretEnv})`;
  checkHs256Secret(
    bytes,
    ctx.field(config.hs256SecretEnv === undefined ? 'hs256Secret' : 'hs256SecretEnv'),
    `${ctx.where}${from}`,
  );
  return bytes;
}

function secretFrom(
  value: unknown,
  envName: unknown,
  valueField: string,
  envField: string,
  { field, env, fail }: Ctx,
): string | undefined {
  if (value !== undefined && envName !== undefined) fail(valueField, `and ${field(envField)} are both set; give one`);
  if (value !== undefined) {
    if (typeof value !== 'string' || value === '') fail(valueField, 'must be a non-empty string');
    return value as string;
  }
  if (envName === undefined) return undefined;
  if (typeof envName !== 'string' || !ENV_NAME.test(envName))
    return fail(envField, `must be an environment variable name; got ${JSON.stringify(envName)}`);
  const fromEnv = env[envName];
  if (fromEnv === undefined || fromEnv === '') fail(envField, `names ${envName}, which is not set in the environment`);
  return fromEnv;
}

function resolveClient(client: ClientConfig, at: string, ctx: Ctx): ResolvedClient {
  const { fail } = ctx;
  if (typeof client !== 'object' || client === null) fail(at, 'must be an object');
  if (typeof client.id !== 'string' || client.id === '') fail(`${at}.id`, 'must be a non-empty string');
  const secret = secretFrom(client.secret, client.secretEnv, `${at}.secret`, `${at}.secretEnv`, ctx);
  if (secret === undefined)
    fail(`${at}.secret`, `is missing; set ${ctx.field(`${at}.secret`)} or ${ctx.field(`${at}.secretEnv`)}`);
  const scopes = client.scopes ?? [];
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    fail(`${at}.scopes`, 'must be a list of scope tokens (printable ASCII, no spaces, quotes or backslashes)');
  }
  const grantTypes = client.grantTypes ?? ['client_credentials'];
  if (!Array.isArray(grantTypes) || !grantTypes.every((g) => typeof g === 'string' && g !== ''))
    fail(`${at}.grantTypes`, 'must be a list of grant type names');
  const requireDpop = client.requireDpop ?? false;
  if (typeof requireDpop !== 'boolean') fail(`${at}.requireDpop`, 'must be a boolean');
  const resources = client.resources ?? [];
  if (!isList(resources)) fail(`${at}.resources`, 'must be a list of absolute URIs');
  const badResource = resources.find((r) => !isResourceIndicator(r));
  if (badResource !== undefined) {
    fail(
      `${at}.resources`,
      `must be absolute URIs without a fragment (RFC 8707 §2); got ${JSON.stringify(badResource)}`,
    );
  }
  const { acr, amr } = client;
  if (acr !== undefined && (typeof acr !== 'string' || acr === '')) fail(`${at}.acr`, 'must be a non-empty string');
  if (amr !== undefined && (!Array.isArray(amr) || !amr.every((m) => typeof m === 'string' && m !== ''))) {
    fail(`${at}.amr`, 'must be a list of non-empty strings');
  }
  return {
    id: client.id,
    secret: secret as string,
    scopes: [...new Set(scopes)],
    grantTypes: [...grantTypes],
    requireDpop,
    resources: [...new Set(resources)],
    acr,
    amr: amr === undefined ? undefined : [...amr],
  };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}
