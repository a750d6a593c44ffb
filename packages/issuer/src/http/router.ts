import type { TenantRuntime } from '../tenant-runtime.js';
import type { EndpointName } from '../stats.js';

/** What a request path is for. */
export interface Route {
  readonly endpoint: EndpointName;
  readonly tenant: TenantRuntime | undefined;
  /** True only for `GET /`, the tenant index. */
  readonly index?: boolean;
  /** True for the RFC 8414 authorization server metadata, which counts and faults as `discovery`. */
  readonly metadata?: boolean;
}

const TENANT_PREFIX = /^\/tenants\/([^/]+)(?:\/|$)/;

/**
 * Builds the path table. Per tenant (path `''` for the root tenant, else `/tenants/<name>`):
 * `<path>/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server<path>`
 * (RFC 8414 §3 inserts the well-known segment before the issuer path), `<path>/.well-known/jwks.json`
 * and `<path>/token`.
 */
export function createRouter(tenants: readonly TenantRuntime[]): (rawUrl: string) => Route {
  const table = new Map<string, Route>();
  const byName = new Map<string, TenantRuntime>();
  for (const tenant of tenants) {
    const path = tenant.config.path;
    byName.set(tenant.name, tenant);
    table.set(`${path}/.well-known/openid-configuration`, { endpoint: 'discovery', tenant });
    table.set(`/.well-known/oauth-authorization-server${path}`, { endpoint: 'discovery', tenant, metadata: true });
    table.set(`${path}/.well-known/jwks.json`, { endpoint: 'jwks', tenant });
    table.set(`${path}/token`, { endpoint: 'token', tenant });
  }
  return (rawUrl) => {
    const path = rawUrl.split('?', 1)[0] ?? '';
    const found = table.get(path);
    if (found) return found;
    if (path === '/') return { endpoint: 'other', tenant: undefined, index: true };
    const name = TENANT_PREFIX.exec(path)?.[1];
    return { endpoint: 'other', tenant: name === undefined ? undefined : byName.get(name) };
  };
}
