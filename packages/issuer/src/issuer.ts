import { isSigningAlgorithm, SIGNING_ALGORITHMS, type SigningAlgorithm } from './algorithms.js';
import type { Clock } from './clock.js';
import { Faults, type FaultController } from './faults.js';
import { createListener } from './http/listener.js';
import { baseUrlFor, HttpLifecycle } from './http/server.js';
import { Sleeper } from './http/sleeper.js';
import { TokenEndpointDpop } from './http/token-dpop.js';
import type { KeyInfo } from './key-ring.js';
import type { PublicJwk } from './keys.js';
import { resolveOptions, type IssuerOptions, type ResolvedOptions } from './options.js';
import { mintToken, type JwtClaims, type SignOptions } from './sign.js';
import { RequestCounter, type RequestStats } from './stats.js';
import { prepareTenants, type TenantInfo, type TenantRuntime } from './tenant-runtime.js';

/** A running issuer. URLs and methods without a `tenant` argument refer to the default tenant (the first). */
export interface Issuer {
  /** `http://<host>:<port>` (or `publicUrl`), without a trailing slash. */
  readonly baseUrl: string;
  readonly host: string;
  /** The bound port; stays the same across `stop()` / `start()`. */
  readonly port: number;
  /** Issuer URL of the default tenant: the `iss` of its tokens, and where discovery starts. */
  readonly issuerUrl: string;
  readonly discoveryUrl: string;
  /** RFC 8414 authorization server metadata URL of the default tenant. */
  readonly metadataUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** Every tenant, default first. */
  readonly tenants: readonly TenantInfo[];
  /** The clock the issuer reads; advance it if it is a test clock. */
  readonly clock: Clock;
  /** Fault injection for the HTTP endpoints. */
  readonly faults: FaultController;
  /** Whether the server currently accepts connections. */
  readonly listening: boolean;
  /** One tenant's URLs and settings. Default: the default tenant. Throws for an unknown name. */
  tenant(name?: string): TenantInfo;
  /**
   * Mints a token directly. Defaults: `iss` = tenant issuer, `sub` = `test-user`, `aud` = tenant
   * audience, `iat` = now, `exp` = `iat` + lifetime, a random `jti`, and `scope` = every scope of
   * the tenant's clients (omitted if none). Claims given here win; `undefined` removes a claim.
   */
  sign(claims?: JwtClaims, options?: SignOptions): Promise<string>;
  /** Retires the tenant's active keys and starts signing with a new one; returns the new key. */
  rotate(tenant?: string): Promise<KeyInfo>;
  /**
   * Changes the algorithm new tokens of a tenant are signed with, e.g. from HS256 to RS256 in a
   * migration. Active keys of other algorithms are retired (published during their grace period).
   */
  setAlgorithm(alg: SigningAlgorithm, tenant?: string): Promise<void>;
  /** The tenant's keys (published ones; HS256 secrets are not keys here), after applying rotation. */
  keys(tenant?: string): Promise<KeyInfo[]>;
  /** The JWKS the tenant currently serves. */
  jwks(tenant?: string): Promise<{ keys: PublicJwk[] }>;
  /** Request counters since start or the last reset. */
  stats(): RequestStats;
  resetStats(): void;
  /** Stops listening (clients get "connection refused") and drops open connections; keys and state are kept. */
  stop(): Promise<void>;
  /** Listens again on the same host and port. */
  start(): Promise<void>;
  /** Stops for good, closing every connection (keep-alive ones too). */
  close(): Promise<void>;
}

/**
 * Starts an issuer on `127.0.0.1` and a free port unless told otherwise.
 *
 * @example
 * ```ts
 * import { createRemoteJWKSet, jwtVerify } from 'jose';
 * const issuer = await createIssuer();
 * const token = await issuer.sign({ scope: 'orders:read' });
 * const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
 * await jwtVerify(token, jwks, { issuer: issuer.issuerUrl, audience: issuer.tenant().audience as string });
 * await issuer.close();
 * ```
 */
export async function createIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  const resolved = await resolveOptions(options);
  const { tenants, find } = await prepareTenants(resolved);
  const faults = new Faults((name) => void find(name), resolved.faultTimer);
  const stats = new RequestCounter();
  const sleeper = new Sleeper(resolved.faultTimer);
  const dpop = new TokenEndpointDpop(resolved.clock);
  const listener = createListener({ tenants, options: resolved, faults, stats, sleeper, dpop });
  const server = new HttpLifecycle(listener, sleeper);
  const port = await server.listen(resolved.host, resolved.port);
  const baseUrl = resolved.publicUrl ?? baseUrlFor(resolved.host, port);
  for (const tenant of tenants) tenant.setBaseUrl(baseUrl);
  return createHandle({ resolved, tenants, find, faults, stats, server, baseUrl, port });
}

function createHandle(ctx: {
  resolved: ResolvedOptions;
  tenants: readonly TenantRuntime[];
  find: (name: string | undefined) => TenantRuntime;
  faults: Faults;
  stats: RequestCounter;
  server: HttpLifecycle;
  baseUrl: string;
  port: number;
}): Issuer {
  const { resolved, tenants, find, faults, stats, server, baseUrl, port } = ctx;
  const main = find(undefined).info();
  return {
    baseUrl,
    host: resolved.host,
    port,
    issuerUrl: main.issuer,
    discoveryUrl: main.discoveryUrl,
    metadataUrl: main.metadataUrl,
    jwksUri: main.jwksUri,
    tokenEndpoint: main.tokenEndpoint,
    get tenants() {
      return tenants.map((t) => t.info());
    },
    clock: resolved.clock,
    faults,
    get listening() {
      return server.listening;
    },
    tenant: (name) => find(name).info(),
    sign: async (claims = {}, options = {}) => mintToken(find(options.tenant), claims, options, resolved.clock.now()),
    rotate: async (name) => {
      const entry = await find(name).ring.rotate();
      return (await find(name).ring.info()).find((k) => k.kid === entry.kid) ?? unreachable();
    },
    setAlgorithm: async (alg, name) => {
      const tenant = find(name);
      if (!isSigningAlgorithm(alg))
        throw new TypeError(`algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${JSON.stringify(alg)}`);
      if (alg === 'HS256' && !tenant.config.hs256Secret) {
        throw new Error(
          `tenant "${tenant.name}" has no HS256 secret; configure hs256Secret or hs256SecretEnv to sign HS256`,
        );
      }
      await tenant.ring.setPrimary(alg);
    },
    keys: (name) => find(name).ring.info(),
    jwks: async (name) => {
      const tenant = find(name);
      await tenant.ring.refresh();
      return { keys: tenant.ring.publicKeys() };
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    stop: () => server.stop(),
    start: async () => {
      await server.listen(resolved.host, port);
    },
    close: () => server.close(),
  };
}

function unreachable(): never {
  throw new Error('internal error: rotated key not found');
}
