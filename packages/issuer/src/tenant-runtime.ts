import type { SigningAlgorithm } from './algorithms.js';
import { KeyRing } from './key-ring.js';
import type { ResolvedOptions } from './options.js';
import type { ResolvedTenant } from './tenants.js';

/** Public facts about one tenant: where its endpoints are and what its tokens look like. */
export interface TenantInfo {
  readonly name: string;
  /** The `iss` of its tokens and the `issuer` of its discovery document. */
  readonly issuer: string;
  readonly discoveryUrl: string;
  /** RFC 8414 authorization server metadata: `<base>/.well-known/oauth-authorization-server<tenant path>` (§3.1). */
  readonly metadataUrl: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly audience: string | readonly string[];
  /** Algorithm new tokens are signed with; changes with `setAlgorithm()`. */
  readonly algorithm: SigningAlgorithm;
  readonly tokenLifetimeSec: number;
  readonly typ: string;
  readonly clientIds: readonly string[];
}

/** A tenant at run time: its settings, keys and URLs. */
export class TenantRuntime {
  readonly config: ResolvedTenant;
  readonly ring: KeyRing;
  #baseUrl = '';

  constructor(config: ResolvedTenant, ring: KeyRing) {
    this.config = config;
    this.ring = ring;
  }

  get name(): string {
    return this.config.name;
  }

  get algorithm(): SigningAlgorithm {
    return this.ring.primary;
  }

  setBaseUrl(baseUrl: string): void {
    this.#baseUrl = baseUrl;
  }

  /** The tenant's own URL; discovery, JWKS and token endpoint hang below it. */
  get url(): string {
    return `${this.#baseUrl}${this.config.path}`;
  }

  get issuer(): string {
    return this.config.issuerOverride ?? this.url;
  }

  info(): TenantInfo {
    const url = this.url;
    return {
      name: this.name,
      issuer: this.issuer,
      discoveryUrl: `${url}/.well-known/openid-configuration`,
      metadataUrl: `${this.#baseUrl}/.well-known/oauth-authorization-server${this.config.path}`,
      jwksUri: `${url}/.well-known/jwks.json`,
      tokenEndpoint: `${url}/token`,
      audience: this.config.audience,
      algorithm: this.algorithm,
      tokenLifetimeSec: this.config.tokenLifetimeSec,
      typ: this.config.typ,
      clientIds: this.config.clients.map((c) => c.id),
    };
  }
}

/** Builds the tenants with their keys ready; shared by the server and the CLI's `token` command. */
export async function prepareTenants(
  resolved: ResolvedOptions,
): Promise<{ tenants: TenantRuntime[]; find: (name: string | undefined) => TenantRuntime }> {
  const deps = {
    store: resolved.keyStore,
    clock: resolved.clock,
    policy: resolved.rotation,
    lockTtlMs: resolved.keyLockTtlMs,
  };
  const tenants = resolved.tenants.map(
    (config) => new TenantRuntime(config, new KeyRing(config.name, config.algorithm, deps)),
  );
  // Keys exist before the first request, and a file store holds them before anyone mints a token.
  await Promise.all(tenants.map((t) => t.ring.refresh()));
  const byName = new Map(tenants.map((t) => [t.name, t]));
  const find = (name: string | undefined): TenantRuntime => {
    const tenant = name === undefined ? tenants[0] : byName.get(name);
    if (!tenant) throw new Error(`unknown tenant ${JSON.stringify(name)}; tenants: ${[...byName.keys()].join(', ')}`);
    return tenant;
  };
  return { tenants, find };
}
