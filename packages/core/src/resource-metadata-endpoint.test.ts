import { describe, expect, it } from 'vitest';
import { resolveAdapterOptions } from './adapter-options.js';
import { ConfigError } from './errors.js';
import { resourceMetadataEndpoint, type ResourceMetadataEndpoint } from './resource-metadata-endpoint.js';
import type { VerifierDescription } from './verifier.js';

const ADAPTER = { where: 'verify()', onErrorSignature: '(err)', verifierOptionsGo: 'in the first argument' } as const;
const RESOURCE = 'https://api.example.com/mcp';
const DESCRIBED: VerifierDescription = {
  resource: RESOURCE,
  authorizationServers: ['https://auth.example.com', 'https://login.partner.example/tenant'],
};
const PATH = '/.well-known/oauth-protected-resource/mcp';

function endpoint(
  options: Record<string, unknown> = {},
  verifier: VerifierDescription | undefined = DESCRIBED,
): ResourceMetadataEndpoint | undefined {
  return resourceMetadataEndpoint(verifier, resolveAdapterOptions(options, ADAPTER));
}

function problems(options: Record<string, unknown>): ConfigError {
  try {
    resolveAdapterOptions(options, ADAPTER);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resource metadata document', () => {
  it('describes the resource from the verifier and the adapter options alone by default', () => {
    const metadata = endpoint();
    expect(metadata?.path).toBe(PATH);
    expect(metadata?.url).toBe(`https://api.example.com${PATH}`);
    expect(metadata?.document).toEqual({
      resource: RESOURCE,
      authorization_servers: ['https://auth.example.com', 'https://login.partner.example/tenant'],
      bearer_methods_supported: ['header'],
    });
    expect(JSON.parse(metadata?.body ?? '')).toEqual(metadata?.document);
    expect(metadata?.headers).toEqual({
      'content-type': 'application/json',
      'cache-control': 'public, max-age=3600',
      'access-control-allow-origin': '*',
      'content-length': String(Buffer.byteLength(metadata?.body ?? '')),
    });
    expect(Object.isFrozen(metadata) && Object.isFrozen(metadata?.document) && Object.isFrozen(metadata?.headers)).toBe(
      true,
    );
  });

  it('says how tokens may be sent: header always, query when read, never the cookie (RFC 9728 has no name for it)', () => {
    expect(endpoint({ locations: { query: 'access_token', cookie: 'at' } })?.document.bearer_methods_supported).toEqual(
      ['header', 'query'],
    );
    expect(endpoint({ locations: { cookie: 'at' } })?.document.bearer_methods_supported).toEqual(['header']);
  });

  it('publishes the DPoP algorithms and whether DPoP is required, from the dpop option', () => {
    const origin = 'https://api.example.com';
    expect(
      endpoint({ dpop: { mode: 'required', origin, proof: { algorithms: ['ES256', 'EdDSA'] } } })?.document,
    ).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: true,
    });
    expect(endpoint({ dpop: { mode: 'allowed', origin } })?.document).toMatchObject({
      dpop_bound_access_tokens_required: false,
    });
    expect(endpoint()?.document).not.toHaveProperty('dpop_bound_access_tokens_required');
    expect(endpoint()?.document).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  it('says it takes certificate-bound tokens when mtls is configured', () => {
    expect(endpoint({ mtls: {} })?.document.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(
      endpoint({ mtls: { certificateHeader: 'x-client-cert' } })?.document.tls_client_certificate_bound_access_tokens,
    ).toBe(true);
    expect(endpoint()?.document).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });

  it('adds the configured members; extras never replace what tollgate derives', () => {
    const metadata = endpoint({
      resourceMetadata: {
        scopesSupported: ['tools:read', 'tools:call'],
        resourceName: 'Orders MCP',
        resourceDocumentation: 'https://docs.example.com/mcp',
        extra: {
          resource: 'https://evil.example',
          authorization_servers: [],
          bearer_methods_supported: ['body'],
          logo_uri: 'https://example.com/logo.png',
        },
        maxAgeSec: 60,
      },
    });
    expect(metadata?.document).toEqual({
      resource: RESOURCE,
      authorization_servers: DESCRIBED.authorizationServers,
      bearer_methods_supported: ['header'],
      scopes_supported: ['tools:read', 'tools:call'],
      resource_name: 'Orders MCP',
      resource_documentation: 'https://docs.example.com/mcp',
      logo_uri: 'https://example.com/logo.png',
    });
    expect(metadata?.headers['cache-control']).toBe('public, max-age=60');
  });

  it('leaves out authorization_servers for issuers known only by their JWKS URL', () => {
    expect(endpoint({}, { resource: RESOURCE, authorizationServers: [] })?.document).toEqual({
      resource: RESOURCE,
      bearer_methods_supported: ['header'],
    });
  });

  it('is absent without a resource, or when turned off', () => {
    expect(endpoint({}, { resource: undefined, authorizationServers: [] })).toBeUndefined();
    expect(resourceMetadataEndpoint(undefined, resolveAdapterOptions({}, ADAPTER))).toBeUndefined();
    expect(endpoint({ resourceMetadata: false })).toBeUndefined();
  });

  it('refuses a configured document for a verifier without a resource, rather than never serve it', () => {
    expect(() =>
      endpoint({ resourceMetadata: { resourceName: 'Orders' } }, { resource: undefined, authorizationServers: [] }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        options: ['resourceMetadata'],
        message: expect.stringContaining('set resource in the verifier options (TOLLGATE_RESOURCE)'),
      }),
    );
  });
});

describe('resourceMetadata option', () => {
  it('lists every problem at once, unknown members included', () => {
    const error = problems({
      resourceMetadata: {
        scopesSupported: ['a b'],
        resourceName: '',
        resourceDocumentation: 'docs',
        extra: [],
        maxAgeSec: -1,
        scopes: ['x'],
      },
    });
    expect(error.options).toEqual([
      'resourceMetadata.scopes',
      'resourceMetadata.scopesSupported',
      'resourceMetadata.resourceName',
      'resourceMetadata.resourceDocumentation',
      'resourceMetadata.extra',
      'resourceMetadata.maxAgeSec',
    ]);
    expect(error.message).toContain(
      'resourceMetadata.scopes is not a known option; did you mean resourceMetadata.scopesSupported?',
    );
    expect(error.message).toContain(
      'resourceMetadata.maxAgeSec must be an integer of seconds from 0 to 31536000 (a year), got -1.',
    );
  });

  it.each([true, 'on', 1])('takes false or an object, not %s', (value) => {
    expect(problems({ resourceMetadata: value }).options).toEqual(['resourceMetadata']);
  });
});

describe('answering requests for the metadata', () => {
  const metadata = endpoint() as ResourceMetadataEndpoint;

  it('answers GET with the document and HEAD with its headers, whatever the query', () => {
    expect(metadata.answer('GET', PATH)).toEqual({ status: 200, headers: metadata.headers, body: metadata.body });
    expect(metadata.answer('GET', `${PATH}?x=1`)).toEqual({
      status: 200,
      headers: metadata.headers,
      body: metadata.body,
    });
    expect(metadata.answer('HEAD', PATH)).toEqual({ status: 200, headers: metadata.headers, body: undefined });
  });

  it('answers a CORS preflight, so browser-based clients can send MCP-Protocol-Version', () => {
    expect(metadata.answer('OPTIONS', PATH)).toEqual({
      status: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': '*',
        'access-control-max-age': '3600',
      },
      body: undefined,
    });
  });

  it.each([
    ['POST', PATH],
    ['DELETE', PATH],
    ['GET', '/.well-known/oauth-protected-resource'],
    ['GET', `${PATH}/`],
    ['GET', '/.well-known/oauth-protected-resource/MCP'],
    ['GET', '/mcp'],
  ])('leaves %s %s to the application', (method, target) => {
    expect(metadata.answer(method, target)).toBeUndefined();
  });

  it('serves a resource at the origin root at the bare well-known path', () => {
    expect(
      endpoint({}, { resource: 'https://api.example.com', authorizationServers: [] })?.answer(
        'GET',
        '/.well-known/oauth-protected-resource',
      )?.status,
    ).toBe(200);
  });
});
