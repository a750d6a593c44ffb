import type { ResolvedAdapterOptions } from './adapter-options.js';
import { ConfigError } from './errors.js';
import { line, opt, type Problems } from './problems.js';
import { buildResourceMetadata, resourceMetadataUrl } from './resource-metadata.js';
import { shown } from './resolve-options.js';
import { refuseUnknownOptions } from './unknown-options.js';
import type { VerifierDescription } from './verifier.js';

/**
 * What an adapter adds to the RFC 9728 metadata document it publishes for the verifier's
 * `resource`. Everything else in the document (`resource`, `authorization_servers`,
 * `bearer_methods_supported`, the DPoP and mTLS members) comes from the verifier and adapter
 * options, so it cannot disagree with what the adapter accepts.
 */
export interface ResourceMetadataOptions {
  /**
   * `scopes_supported`: the scopes a client may ask for this resource. MCP clients request them
   * when a 401 names no scope, so list only scopes your authorization server grants. Default:
   * none (left out).
   */
  scopesSupported?: readonly string[] | undefined;
  /** `resource_name`: a name for people, e.g. `'Orders MCP server'`. Default: none. */
  resourceName?: string | undefined;
  /** `resource_documentation`: URL of the developer documentation. Default: none. */
  resourceDocumentation?: string | undefined;
  /** Further members, passed through unchanged; they never replace the members tollgate sets. Default: none. */
  extra?: Readonly<Record<string, unknown>> | undefined;
  /**
   * How long clients and caches may keep the document (`Cache-Control: public, max-age=…`), in
   * seconds. Lower it before changing issuers. Default `3600`.
   */
  maxAgeSec?: number | undefined;
}

/** Defaults of `resourceMetadata`. */
export const RESOURCE_METADATA_DEFAULTS = Object.freeze({ maxAgeSec: 3600 });

/** `resourceMetadata` with its defaults applied; `given` tells a configured document from the default one. */
export interface ResolvedResourceMetadataOptions {
  readonly given: boolean;
  readonly scopesSupported: readonly string[] | undefined;
  readonly resourceName: string | undefined;
  readonly resourceDocumentation: string | undefined;
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  readonly maxAgeSec: number;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'scopesSupported',
  'resourceName',
  'resourceDocumentation',
  'extra',
  'maxAgeSec',
] satisfies (keyof ResourceMetadataOptions)[]);
const DEFAULT_OPTIONS: ResolvedResourceMetadataOptions = Object.freeze({
  given: false,
  scopesSupported: undefined,
  resourceName: undefined,
  resourceDocumentation: undefined,
  extra: undefined,
  maxAgeSec: RESOURCE_METADATA_DEFAULTS.maxAgeSec,
});
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the `resourceMetadata` adapter option once, at start-up. `false`: no document, no `resource_metadata`. */
export function resolveResourceMetadataOptions(
  problems: Problems,
  value: unknown,
): ResolvedResourceMetadataOptions | false {
  if (value === undefined) return DEFAULT_OPTIONS;
  if (value === false) return false;
  if (!isRecord(value)) {
    problems.add(
      line`${opt('resourceMetadata')} must be false or an object such as { scopesSupported: ['orders:read'] }, got ${shown(value)}.`,
    );
    return false;
  }
  refuseUnknownOptions(problems, value, OPTION_NAMES, { at: 'resourceMetadata.' });
  const {
    scopesSupported,
    resourceName,
    resourceDocumentation,
    extra,
    maxAgeSec = RESOURCE_METADATA_DEFAULTS.maxAgeSec,
  } = value as ResourceMetadataOptions;
  if (
    scopesSupported !== undefined &&
    (!Array.isArray(scopesSupported) ||
      scopesSupported.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
  ) {
    problems.add(
      line`${opt('resourceMetadata.scopesSupported')} must be a list of scope names such as ['orders:read'] (no spaces or quotes).`,
    );
  }
  if (resourceName !== undefined && (typeof resourceName !== 'string' || resourceName.length === 0))
    problems.add(line`${opt('resourceMetadata.resourceName')} must be a non-empty string.`);
  if (resourceDocumentation !== undefined && !isHttpUrl(resourceDocumentation)) {
    problems.add(
      line`${opt('resourceMetadata.resourceDocumentation')} must be an absolute http(s) URL, got ${shown(resourceDocumentation)}.`,
    );
  }
  if (extra !== undefined && !isRecord(extra))
    problems.add(line`${opt('resourceMetadata.extra')} must be an object of further metadata members.`);
  if (typeof maxAgeSec !== 'number' || !Number.isInteger(maxAgeSec) || maxAgeSec < 0 || maxAgeSec > 31_536_000) {
    problems.add(
      line`${opt('resourceMetadata.maxAgeSec')} must be an integer of seconds from 0 to 31536000 (a year), got ${shown(maxAgeSec)}.`,
    );
  }
  return Object.freeze({
    given: true,
    scopesSupported: Array.isArray(scopesSupported)
      ? Object.freeze([...(scopesSupported as readonly string[])])
      : undefined,
    resourceName,
    resourceDocumentation,
    extra: isRecord(extra) ? Object.freeze({ ...extra }) : undefined,
    maxAgeSec,
  });
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** How a request for the metadata is answered. `body` is undefined for HEAD and the CORS preflight. */
export interface ResourceMetadataAnswer {
  readonly status: 200 | 204;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** The RFC 9728 metadata of a gate: what it publishes, where, and how it answers requests for it. */
export interface ResourceMetadataEndpoint {
  /** The well-known path (RFC 9728 §3.1), e.g. `/.well-known/oauth-protected-resource/mcp`. */
  readonly path: string;
  /** The absolute metadata URL, sent as `resource_metadata` in every challenge. */
  readonly url: string;
  /** The document, frozen. */
  readonly document: Readonly<Record<string, unknown>>;
  /** Response headers: `content-type`, `cache-control`, `access-control-allow-origin: *`, `content-length`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The document as JSON text, serialized once. */
  readonly body: string;
  /**
   * The answer to a request, or `undefined` when the request is not for the metadata (another
   * path, or a method other than GET, HEAD and OPTIONS): the adapter then passes it on. `target`
   * is the request target as received (`/path?query`); the query is ignored.
   */
  answer(method: string, target: string): ResourceMetadataAnswer | undefined;
}

/**
 * Builds a gate's metadata from what the verifier accepts and how the adapter reads tokens. With
 * no `resource` there is nothing to describe: `undefined`, unless `resourceMetadata` was
 * configured, which then is a `ConfigError` (the document would silently never be served).
 */
export function resourceMetadataEndpoint(
  verifier: VerifierDescription | undefined,
  options: ResolvedAdapterOptions<unknown>,
): ResourceMetadataEndpoint | undefined {
  const settings = options.resourceMetadata;
  if (settings === false) return undefined;
  const resource = verifier?.resource;
  if (resource === undefined) {
    if (!settings.given) return undefined;
    throw new ConfigError(
      "resourceMetadata describes the verifier's resource, and the verifier has none: set resource in the verifier options (TOLLGATE_RESOURCE), or remove resourceMetadata.",
      ['resourceMetadata'],
    );
  }
  const dpop = options.dpop;
  const document = buildResourceMetadata({
    resource,
    authorizationServers: verifier?.authorizationServers,
    scopesSupported: settings.scopesSupported,
    // Cookies have no RFC 9728 name; a cookie-reading API still takes the header.
    bearerMethodsSupported: options.locations.query === undefined ? ['header'] : ['header', 'query'],
    dpopSigningAlgValuesSupported: dpop?.policy.algorithms,
    dpopBoundAccessTokensRequired: dpop === null ? undefined : dpop.mode === 'required',
    tlsClientCertificateBoundAccessTokens: options.mtls.configured ? true : undefined,
    resourceName: settings.resourceName,
    resourceDocumentation: settings.resourceDocumentation,
    extra: settings.extra,
  });
  const url = resourceMetadataUrl(resource);
  const body = JSON.stringify(document);
  const cors = { 'access-control-allow-origin': '*' };
  const headers = Object.freeze({
    'content-type': 'application/json',
    'cache-control': `public, max-age=${settings.maxAgeSec}`,
    ...cors,
    'content-length': String(Buffer.byteLength(body)),
  });
  // Browser-based clients send MCP-Protocol-Version with the request, which makes it a preflighted one.
  const preflight: ResourceMetadataAnswer = Object.freeze({
    status: 204,
    headers: Object.freeze({
      ...cors,
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': '*',
      'access-control-max-age': String(settings.maxAgeSec),
    }),
    body: undefined,
  });
  const get: ResourceMetadataAnswer = Object.freeze({ status: 200, headers, body });
  const head: ResourceMetadataAnswer = Object.freeze({ status: 200, headers, body: undefined });
  const path = url.pathname;
  return Object.freeze({
    path,
    url: url.href,
    document,
    headers,
    body,
    answer(method: string, target: string): ResourceMetadataAnswer | undefined {
      const query = target.indexOf('?');
      if ((query === -1 ? target : target.slice(0, query)) !== path) return undefined;
      if (method === 'GET') return get;
      if (method === 'HEAD') return head;
      return method === 'OPTIONS' ? preflight : undefined;
    },
  });
}
