import { ConfigError } from './errors.js';
import { isAllowedKeyUrl } from './key-url.js';

/** The RFC 9728 well-known suffix. */
const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * Checks a resource identifier (RFC 9728 §1.2, RFC 8707 §2): an absolute https URL (http on a
 * loopback host, for development) without fragment or userinfo. Returns it unchanged.
 */
export function checkResource(resource: unknown, option = 'resource'): string {
  let url: URL | undefined;
  try {
    url = typeof resource === 'string' ? new URL(resource) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    !isAllowedKeyUrl(url, false) ||
    url.hash !== '' ||
    resource === '' ||
    String(resource).includes('#')
  ) {
    throw new ConfigError(
      `${option} must be an absolute https URL without a fragment, such as "https://api.example.com" (http is accepted on loopback hosts only); got ${JSON.stringify(resource)}.`,
      [option],
    );
  }
  if (url.username !== '' || url.password !== '')
    throw new ConfigError(`${option} must not contain a user name or password.`, [option]);
  return resource as string;
}

/**
 * Where a resource's metadata lives (RFC 9728 §3.1): the well-known suffix goes between the host
 * and the path, so `https://api.example.com/orders` is described at
 * `https://api.example.com/.well-known/oauth-protected-resource/orders`.
 */
export function resourceMetadataUrl(resource: string): URL {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return new URL(`${url.origin}${WELL_KNOWN}${path}${url.search}`);
}

/** What goes into the RFC 9728 metadata document; everything but `resource` is optional. */
export interface ResourceMetadataInput {
  readonly resource: string;
  /** Issuer identifiers of the authorization servers whose tokens the resource accepts. */
  readonly authorizationServers?: readonly string[] | undefined;
  readonly scopesSupported?: readonly string[] | undefined;
  /** How tokens may be sent: `header`, `body`, `query` (RFC 9728 §2). */
  readonly bearerMethodsSupported?: readonly ('header' | 'body' | 'query')[] | undefined;
  readonly dpopSigningAlgValuesSupported?: readonly string[] | undefined;
  readonly dpopBoundAccessTokensRequired?: boolean | undefined;
  readonly tlsClientCertificateBoundAccessTokens?: boolean | undefined;
  readonly resourceName?: string | undefined;
  readonly resourceDocumentation?: string | undefined;
  /** Further members, passed through; they never replace the members above. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

/** Builds the RFC 9728 §2 metadata document, frozen; members without a value are left out. */
export function buildResourceMetadata(input: ResourceMetadataInput): Readonly<Record<string, unknown>> {
  const members: Record<string, unknown> = {
    resource: input.resource,
    authorization_servers: input.authorizationServers,
    scopes_supported: input.scopesSupported,
    bearer_methods_supported: input.bearerMethodsSupported,
    dpop_signing_alg_values_supported: input.dpopSigningAlgValuesSupported,
    dpop_bound_access_tokens_required: input.dpopBoundAccessTokensRequired,
    tls_client_certificate_bound_access_tokens: input.tlsClientCertificateBoundAccessTokens,
    resource_name: input.resourceName,
    resource_documentation: input.resourceDocumentation,
  };
  const document: Record<string, unknown> = { ...input.extra };
  for (const [name, value] of Object.entries(members)) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0))
      document[name] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return Object.freeze(document);
}
