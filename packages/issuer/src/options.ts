import { isSigningAlgorithm, SIGNING_ALGORITHMS, type SigningAlgorithm } from './algorithms.js';
import { systemClock, type Clock } from './clock.js';
import { DAY_MS } from './duration.js';
import { IssuerConfigError } from './errors.js';
import { realFaultTimer, type FaultTimer } from './fault-timer.js';
import { createFileKeyStore, createMemoryKeyStore, type KeyStore } from './key-store.js';
import type { RotationPolicy } from './rotation.js';
import { readTenantsFile } from './tenant-file.js';
import { isList, resolveTenant, type ClientConfig, type ResolvedTenant, type TenantConfig } from './tenants.js';

/** Options of `createIssuer()`. Every field is optional. */
export interface IssuerOptions {
  /** Interface to listen on. Default: `127.0.0.1`. */
  host?: string;
  /** TCP port; `0` picks a free one (read it from `issuer.port`). Default: `0`. */
  port?: number;
  /**
   * Base URL put in issuer URLs and discovery, when clients reach the issuer under another
   * address than it listens on (a container name, a proxy). Default: `http://<host>:<port>`.
   */
  publicUrl?: string;
  /** Algorithm of tenants that do not set one. Default: `RS256`. */
  algorithm?: SigningAlgorithm;
  /**
   * Tenants, or the path of a tenants file (YAML or JSON, shaped like Uitsmijter's
   * `tenant.yaml`). Each is served under `/tenants/<name>`. Default: one tenant, `default`,
   * served at the root (configure it with `defaultTenant`).
   */
  tenants?: readonly TenantConfig[] | string;
  /**
   * Settings of the root tenant used when `tenants` is not given. Default: name `default`,
   * audience `api://default`, and one client `tollgate-dev` / `tollgate-dev-secret` with scopes
   * `read write` (pass `clients: []` to have none).
   */
  defaultTenant?: Partial<TenantConfig>;
  /** Time source for token times, key ages and grace periods. Default: the system clock. */
  clock?: Clock;
  /**
   * Time source of fault injection: how long `slow` faults stall and when `forMs` runs out. Default:
   * real time (`performance.now()` and `setTimeout`), whatever `clock` is, because faults model the
   * network. Replace it to run fault timing by hand in unit tests, with no real waits.
   */
  faultTimer?: FaultTimer;
  /** Where keys are kept. Default: in memory (a fresh store per issuer). */
  keyStore?: KeyStore;
  /** Shortcut for `keyStore: createFileKeyStore(keyDir)`. Default: none. */
  keyDir?: string;
  /** Age at which a signing key is replaced. Default: 90 days. */
  keyMaxAgeMs?: number;
  /**
   * How long a retired key stays in the JWKS; must exceed the longest token lifetime so every
   * token a key signed expires before the key leaves. Default: longest tenant token lifetime + 1 day.
   */
  keyGraceMs?: number;
  /** Rotate keys automatically when they reach `keyMaxAgeMs`. Default: `true`. */
  autoRotate?: boolean;
  /**
   * Time-to-live of the key store's lock around a key change (first key, rotation, grace expiry),
   * for stores that have `lock()`. A change takes milliseconds (an RSA key generation at most about
   * a second); the TTL only matters when a holder dies, since the others wait for it to expire.
   * Issuers waiting for another holder give up after twice this. Default: 10000.
   */
  keyLockTtlMs?: number;
  /** `max-age` of the JWKS `Cache-Control: public, max-age=…`; `null` sends no Cache-Control. Default: 3600. */
  jwksMaxAgeSec?: number | null;
  /** `max-age` of the discovery document; `null` sends no Cache-Control. Default: 3600. */
  discoveryMaxAgeSec?: number | null;
  /** Send ETags on discovery and JWKS and answer 304 to a matching `If-None-Match`. Default: `true`. */
  etag?: boolean;
  /**
   * Require a server nonce in DPoP proofs at the token endpoint (RFC 9449 §8) for tenants that do
   * not set `dpopNonce` themselves. Default: `false`. Turn on to test a client's nonce handling.
   */
  dpopNonce?: boolean;
  /** Largest token request body accepted, in bytes. Default: 16384. */
  maxBodyBytes?: number;
  /** Where `*SecretEnv` settings are looked up. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called with unexpected errors inside request handlers (the client gets a 500). Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** The options with every default applied; the rest of the issuer reads only this. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string | undefined;
  readonly tenants: readonly ResolvedTenant[];
  readonly clock: Clock;
  readonly faultTimer: FaultTimer;
  readonly keyStore: KeyStore;
  readonly rotation: RotationPolicy;
  readonly keyLockTtlMs: number;
  readonly jwksCacheControl: string | undefined;
  readonly discoveryCacheControl: string | undefined;
  readonly etag: boolean;
  readonly maxBodyBytes: number;
  readonly onError: (error: unknown) => void;
}

/** Client of the built-in default tenant, so `curl -u tollgate-dev:tollgate-dev-secret` works out of the box. */
export const DEFAULT_CLIENT: Readonly<ClientConfig> = Object.freeze({
  id: 'tollgate-dev',
  secret: 'tollgate-dev-secret',
  scopes: ['read', 'write'],
});
export const DEFAULT_TENANT_NAME = 'default';
export const DEFAULT_KEY_MAX_AGE_MS = 90 * DAY_MS;
export const DEFAULT_KEY_LOCK_TTL_MS = 10_000;

/** Every option of `createIssuer()`; the docs test checks the README has a row for each. */
export const KNOWN_OPTIONS: ReadonlySet<string> = new Set<string>([
  'host',
  'port',
  'publicUrl',
  'algorithm',
  'tenants',
  'defaultTenant',
  'clock',
  'faultTimer',
  'keyStore',
  'keyDir',
  'keyMaxAgeMs',
  'keyGraceMs',
  'autoRotate',
  'keyLockTtlMs',
  'jwksMaxAgeSec',
  'discoveryMaxAgeSec',
  'etag',
  'dpopNonce',
  'maxBodyBytes',
  'env',
  'onError',
] satisfies (keyof IssuerOptions)[]);

/** Validates options and applies defaults. Throws `IssuerConfigError` naming the option. */
export async function resolveOptions(options: IssuerOptions): Promise<ResolvedOptions> {
  const fail = (field: string, message: string): never => {
    throw new IssuerConfigError(field, `${field} ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, `is not an issuer option; known: ${[...KNOWN_OPTIONS].join(', ')}`);
  }

  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') fail('host', 'must be a non-empty string');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail('port', `must be a whole number from 0 to 65535; got ${String(port)}`);
  const publicUrl = options.publicUrl === undefined ? undefined : normalizeBaseUrl(options.publicUrl, fail);

  const algorithm = options.algorithm ?? 'RS256';
  if (!isSigningAlgorithm(algorithm))
    fail('algorithm', `must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${JSON.stringify(algorithm)}`);
  const env = options.env ?? process.env;
  const dpopNonce = options.dpopNonce ?? false;
  if (typeof dpopNonce !== 'boolean') fail('dpopNonce', 'must be a boolean');
  const tenants = await resolveTenants(
    options,
    { defaultAlgorithm: algorithm, defaultDpopNonce: dpopNonce, env },
    fail,
  );

  if (options.keyStore !== undefined && options.keyDir !== undefined)
    fail('keyDir', 'and keyStore are both set; give one');
  if (options.keyDir !== undefined && (typeof options.keyDir !== 'string' || options.keyDir === ''))
    fail('keyDir', 'must be a directory path');
  const keyStore =
    options.keyStore ?? (options.keyDir === undefined ? createMemoryKeyStore() : createFileKeyStore(options.keyDir));
  if (typeof keyStore.read !== 'function' || typeof keyStore.write !== 'function')
    fail('keyStore', 'must have read() and write() methods');
  if (keyStore.lock !== undefined && typeof keyStore.lock !== 'function')
    fail('keyStore', 'lock must be a method when present');

  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function') fail('clock', 'must have a now() method returning ms since the epoch');
  const faultTimer = options.faultTimer ?? realFaultTimer;
  if (typeof faultTimer.now !== 'function' || typeof faultTimer.schedule !== 'function') {
    fail('faultTimer', 'must have now() returning ms and schedule(callback, ms) returning a cancel function');
  }

  const maxAgeMs = options.keyMaxAgeMs ?? DEFAULT_KEY_MAX_AGE_MS;
  if (!(Number.isFinite(maxAgeMs) && maxAgeMs > 0))
    fail('keyMaxAgeMs', `must be a positive number of ms; got ${String(maxAgeMs)}`);
  const longestTokenMs = Math.max(...tenants.map((t) => t.tokenLifetimeSec)) * 1000;
  const graceMs = options.keyGraceMs ?? longestTokenMs + DAY_MS;
  if (!(Number.isFinite(graceMs) && graceMs > longestTokenMs)) {
    fail(
      'keyGraceMs',
      `must be longer than the longest token lifetime (${longestTokenMs} ms), or tokens outlive their key; got ${String(graceMs)}`,
    );
  }
  const autoRotate = options.autoRotate ?? true;
  if (typeof autoRotate !== 'boolean') fail('autoRotate', 'must be a boolean');
  const keyLockTtlMs = options.keyLockTtlMs ?? DEFAULT_KEY_LOCK_TTL_MS;
  if (!(Number.isFinite(keyLockTtlMs) && keyLockTtlMs > 0))
    fail('keyLockTtlMs', `must be a positive number of ms; got ${String(keyLockTtlMs)}`);

  const etag = options.etag ?? true;
  if (typeof etag !== 'boolean') fail('etag', 'must be a boolean');
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    fail('maxBodyBytes', `must be a positive whole number; got ${String(maxBodyBytes)}`);

  const onError = options.onError ?? ((error: unknown) => console.error('[tollgate-issuer]', error));
  if (typeof onError !== 'function') fail('onError', 'must be a function');

  return Object.freeze({
    host,
    port,
    publicUrl,
    tenants: Object.freeze(tenants),
    clock,
    faultTimer,
    keyStore,
    rotation: Object.freeze({ maxAgeMs, graceMs, autoRotate }),
    keyLockTtlMs,
    jwksCacheControl: cacheControl('jwksMaxAgeSec', options.jwksMaxAgeSec, fail),
    discoveryCacheControl: cacheControl('discoveryMaxAgeSec', options.discoveryMaxAgeSec, fail),
    etag,
    maxBodyBytes,
    onError,
  });
}

type Fail = (field: string, message: string) => never;

async function resolveTenants(
  options: IssuerOptions,
  defaults: {
    defaultAlgorithm: SigningAlgorithm;
    defaultDpopNonce: boolean;
    env: Readonly<Record<string, string | undefined>>;
  },
  fail: Fail,
): Promise<ResolvedTenant[]> {
  const { tenants } = options;
  if (tenants === undefined) {
    const config: TenantConfig = {
      clients: [DEFAULT_CLIENT],
      ...options.defaultTenant,
      name: options.defaultTenant?.name ?? DEFAULT_TENANT_NAME,
    };
    return [resolveTenant(config, { field: (f) => `defaultTenant.${f}`, ...defaults, root: true })];
  }
  if (options.defaultTenant !== undefined)
    fail(
      'defaultTenant',
      'and tenants are both set; defaultTenant only configures the root tenant used without tenants',
    );
  let resolved: ResolvedTenant[];
  if (typeof tenants === 'string') {
    const fromFile = await readTenantsFile(tenants);
    resolved = fromFile.map(({ config, field, where }) =>
      resolveTenant(config, { field, where, ...defaults, root: false }),
    );
  } else {
    if (!isList(tenants) || tenants.length === 0) fail('tenants', 'must be a non-empty list of tenants or a file path');
    resolved = tenants.map((config, i) =>
      resolveTenant(config, { field: (f) => `tenants[${i}].${f}`, ...defaults, root: false }),
    );
  }
  const names = new Set<string>();
  for (const [i, tenant] of resolved.entries()) {
    if (names.has(tenant.name)) fail(`tenants[${i}].name`, `repeats tenant name "${tenant.name}"`);
    names.add(tenant.name);
  }
  return resolved;
}

function cacheControl(field: string, value: number | null | undefined, fail: Fail): string | undefined {
  if (value === null) return undefined;
  const seconds = value ?? 3600;
  if (!Number.isInteger(seconds) || seconds < 0)
    fail(field, `must be a whole number of seconds or null; got ${String(seconds)}`);
  return `public, max-age=${seconds}`;
}

function normalizeBaseUrl(value: string, fail: Fail): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    fail('publicUrl', `must be an http(s) URL without query or fragment; got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}
