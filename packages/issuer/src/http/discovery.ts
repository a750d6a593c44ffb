import { DPOP_ALGORITHMS } from '../algorithms.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { cacheableJson, type Reply } from './reply.js';

/** The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414 §2) of one tenant. */
export async function discoveryDocument(tenant: TenantRuntime): Promise<Record<string, unknown>> {
  await tenant.ring.refresh();
  const info = tenant.info();
  const algorithms = [...new Set([tenant.algorithm, ...tenant.ring.publicKeys().map((k) => k.alg)])];
  return {
    issuer: info.issuer,
    jwks_uri: info.jwksUri,
    token_endpoint: info.tokenEndpoint,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // Only client_credentials is offered, so no authorization-endpoint response types.
    response_types_supported: [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algorithms,
    scopes_supported: tenant.config.scopes,
    dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'scope', 'client_id', 'cnf'],
  };
}

export async function discoveryEndpoint(
  tenant: TenantRuntime,
  opts: { cacheControl: string | undefined; etag: boolean; ifNoneMatch: string | undefined },
): Promise<Reply> {
  return cacheableJson(await discoveryDocument(tenant), opts);
}
