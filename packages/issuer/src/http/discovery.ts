import type { TenantRuntime } from '../tenant-runtime.js';
import { cacheableJson, type Reply } from './reply.js';

type CacheOptions = { cacheControl: string | undefined; etag: boolean; ifNoneMatch: string | undefined };

/**
 * The OAuth 2.0 authorization server metadata (RFC 8414 §2) of one tenant: what a client
 * needs to get a token, and nothing about OpenID Connect. `dpopAlgorithms`: what the token
 * endpoint's proof policy accepts.
 */
export function authorizationServerMetadata(
  tenant: TenantRuntime,
  dpopAlgorithms: readonly string[],
): Record<string, unknown> {
  const info = tenant.info();
  return {
    issuer: info.issuer,
    token_endpoint: info.tokenEndpoint,
    jwks_uri: info.jwksUri,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // Only client_credentials is offered, so no authorization-endpoint response types.
    response_types_supported: [],
    scopes_supported: tenant.config.scopes,
    dpop_signing_alg_values_supported: dpopAlgorithms,
  };
}

/** The discovery document (OpenID Connect Discovery 1.0 §3) of one tenant: the RFC 8414 fields plus OIDC's. */
export async function discoveryDocument(
  tenant: TenantRuntime,
  dpopAlgorithms: readonly string[],
): Promise<Record<string, unknown>> {
  await tenant.ring.refresh();
  const algorithms = [...new Set([tenant.algorithm, ...tenant.ring.publicKeys().map((k) => k.alg)])];
  const { issuer, jwks_uri, token_endpoint, ...rest } = authorizationServerMetadata(tenant, dpopAlgorithms);
  const acrValues = [...new Set(tenant.config.clients.flatMap((c) => (c.acr === undefined ? [] : [c.acr])))].sort();
  return {
    issuer,
    jwks_uri,
    token_endpoint,
    ...rest,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algorithms,
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'jti',
      'scope',
      'client_id',
      'cnf',
      'acr',
      'amr',
      'auth_time',
    ],
    ...(acrValues.length > 0 ? { acr_values_supported: acrValues } : {}),
  };
}

export async function discoveryEndpoint(
  tenant: TenantRuntime,
  dpopAlgorithms: readonly string[],
  opts: CacheOptions,
): Promise<Reply> {
  return cacheableJson(await discoveryDocument(tenant, dpopAlgorithms), opts);
}

export function metadataEndpoint(tenant: TenantRuntime, dpopAlgorithms: readonly string[], opts: CacheOptions): Reply {
  return cacheableJson(authorizationServerMetadata(tenant, dpopAlgorithms), opts);
}
