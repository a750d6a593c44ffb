import { describe, expect, it } from 'vitest';
import { buildResourceMetadata, checkResource, resourceMetadataUrl } from './resource-metadata.js';

describe('resourceMetadataUrl (RFC 9728 §3.1)', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/orders', 'https://api.example.com/.well-known/oauth-protected-resource/orders'],
    ['https://api.example.com/v1/orders/', 'https://api.example.com/.well-known/oauth-protected-resource/v1/orders'],
    ['https://API.example.com:443/mcp', 'https://api.example.com/.well-known/oauth-protected-resource/mcp'],
    ['http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp'],
  ])('%s is described at %s', (resource, expected) => {
    expect(resourceMetadataUrl(resource).href).toBe(expected);
  });
});

describe('checkResource', () => {
  it('accepts https URLs and loopback http', () => {
    for (const ok of [
      'https://api.example.com',
      'https://api.example.com/mcp',
      'http://localhost:3000/mcp',
      'http://127.0.0.1:1/x',
    ])
      expect(checkResource(ok)).toBe(ok);
  });

  it.each([
    ['a relative path', '/mcp'],
    ['plain http on a public host', 'http://api.example.com'],
    ['a fragment', 'https://api.example.com/mcp#x'],
    ['userinfo', 'https://user:pw@api.example.com/'],
    ['another scheme', 'urn:example:api'],
    ['a number', 42],
    ['an empty string', ''],
  ])('refuses %s with a ConfigError naming the option', (_name, value) => {
    expect(() => checkResource(value, 'resource')).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', options: ['resource'] }),
    );
  });
});

describe('buildResourceMetadata', () => {
  it('maps every member to its RFC 9728 name, leaves out empty ones, and keeps extras without letting them override', () => {
    const document = buildResourceMetadata({
      resource: 'https://api.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      scopesSupported: ['tools:read'],
      bearerMethodsSupported: ['header'],
      dpopSigningAlgValuesSupported: ['ES256', 'EdDSA'],
      dpopBoundAccessTokensRequired: false,
      tlsClientCertificateBoundAccessTokens: undefined,
      resourceName: 'Example MCP server',
      resourceDocumentation: 'https://docs.example.com/mcp',
      extra: { resource: 'https://evil.example', jwks_uri: 'https://api.example.com/jwks' },
    });
    expect(document).toEqual({
      resource: 'https://api.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['tools:read'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: false,
      resource_name: 'Example MCP server',
      resource_documentation: 'https://docs.example.com/mcp',
      jwks_uri: 'https://api.example.com/jwks',
    });
    expect(Object.isFrozen(document)).toBe(true);
    expect(buildResourceMetadata({ resource: 'https://a.example', scopesSupported: [] })).toEqual({
      resource: 'https://a.example',
    });
  });
});
