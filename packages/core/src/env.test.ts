import { describe, expect, it } from 'vitest';
import { ConfigError, createVerifier, optionsFromEnv } from './index.js';

describe('optionsFromEnv', () => {
  it('builds options from TOLLGATE_* variables', () => {
    const options = optionsFromEnv({
      TOLLGATE_ISSUER: 'https://auth.example.com',
      TOLLGATE_AUDIENCE: 'orders, billing',
      TOLLGATE_ALGORITHMS: 'RS256,HS256',
      TOLLGATE_HS256_SECRETS: 'x'.repeat(32),
      TOLLGATE_TOKEN_CACHE: '500',
      TOLLGATE_CLOCK_TOLERANCE_SEC: '10',
    });
    expect(options).toMatchObject({
      issuer: 'https://auth.example.com',
      audience: ['orders', 'billing'],
      algorithms: ['RS256', 'HS256'],
      tokenCache: { maxEntries: 500 },
      clockToleranceSec: 10,
    });
    expect(() => createVerifier(options)).not.toThrow();
  });

  it('defaults the algorithms to RS256 and never enables HS256 on its own', () => {
    const options = optionsFromEnv({
      TOLLGATE_JWKS_URI: 'https://partner.example/jwks.json',
      TOLLGATE_AUDIENCE: 'orders',
    });
    expect(options).toMatchObject({ algorithms: ['RS256'], hs256: undefined });
  });

  it('names every missing or invalid variable in one error', () => {
    const error = failure({ TOLLGATE_CLOCK_TOLERANCE_SEC: 'soon' });
    expect(error.options).toEqual([
      'TOLLGATE_ISSUER',
      'TOLLGATE_JWKS_URI',
      'TOLLGATE_AUDIENCE',
      'TOLLGATE_CLOCK_TOLERANCE_SEC',
    ]);
    expect(error.message).toBe(
      [
        'tollgate could not start from environment variables:',
        '  - TOLLGATE_ISSUER or TOLLGATE_JWKS_URI is required to find the keys for RS256.',
        '  - TOLLGATE_AUDIENCE must be set to the audience this service accepts (comma-separated for several), or TOLLGATE_RESOURCE to its resource URL.',
        '  - TOLLGATE_CLOCK_TOLERANCE_SEC must be a whole number, got "soon".',
      ].join('\n'),
    );
  });

  it('validates the options the variables make in the same pass, naming variables rather than options', () => {
    const error = failure({
      TOLLGATE_ALGORITHMS: 'HS256',
      TOLLGATE_HS256_SECRETS: 'x,y',
      TOLLGATE_MAX_TOKEN_BYTES: '10',
    });
    expect(error.options).toEqual(['TOLLGATE_AUDIENCE', 'TOLLGATE_HS256_SECRETS', 'TOLLGATE_MAX_TOKEN_BYTES']);
    expect(error.message).toBe(
      [
        'tollgate could not start from environment variables:',
        '  - TOLLGATE_AUDIENCE must be set to the audience this service accepts (comma-separated for several), or TOLLGATE_RESOURCE to its resource URL.',
        '  - secret 1 of TOLLGATE_HS256_SECRETS is 1 byte long; HS256 secrets must be at least 32 bytes (RFC 7518 3.2), so use a longer random secret.',
        '  - secret 2 of TOLLGATE_HS256_SECRETS is 1 byte long; HS256 secrets must be at least 32 bytes (RFC 7518 3.2), so use a longer random secret.',
        '  - TOLLGATE_MAX_TOKEN_BYTES must be an integer of at least 256, got 10.',
      ].join('\n'),
    );
  });

  it('names variables in advice too', () => {
    const error = failure({
      ...valid,
      TOLLGATE_HS256_SECRETS: 'x'.repeat(32),
      TOLLGATE_ISSUER: 'http://auth.example.com',
    });
    expect(error.message).toBe(
      [
        'tollgate could not start from environment variables:',
        '  - TOLLGATE_ISSUER uses http: for a host that is not loopback; keys must come over https (or set TOLLGATE_JWKS_ALLOW_HTTP to true on a trusted network).',
        "  - TOLLGATE_ALGORITHMS must include 'HS256' when TOLLGATE_HS256_SECRETS are configured (or remove TOLLGATE_HS256_SECRETS to refuse HS256).",
      ].join('\n'),
    );
  });

  it('reports unknown TOLLGATE_* variables, suggesting the closest one', () => {
    const error = failure({
      ...valid,
      TOLLGATE_ALGORITHM: 'HS256',
      TOLLGATE_JWKS_URL: 'https://auth.example.com/jwks',
      TOLLGATE_COLOUR: 'blue',
      TOLLGATE_EMPTY: '',
      OTHER_ALGORITHM: 'x',
    });
    expect(error.options).toEqual(['TOLLGATE_ALGORITHM', 'TOLLGATE_JWKS_URL', 'TOLLGATE_COLOUR']);
    expect(error.message).toBe(
      [
        'tollgate could not start from environment variables:',
        '  - TOLLGATE_ALGORITHM is not a tollgate variable; did you mean TOLLGATE_ALGORITHMS?',
        '  - TOLLGATE_JWKS_URL is not a tollgate variable; did you mean TOLLGATE_JWKS_URI?',
        '  - TOLLGATE_COLOUR is not a tollgate variable; the variables tollgate reads are listed in the README.',
      ].join('\n'),
    );
  });

  it('leaves TOLLGATE_REDIS_URL (read by @tollgate/redis and the example services) alone', () => {
    expect(optionsFromEnv({ ...valid, TOLLGATE_REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual(optionsFromEnv(valid));
  });

  it.each([
    ['yes', 'TOLLGATE_TOKEN_CACHE takes "true", "false" or a maximum entry count such as 10000, got "yes".'],
    ['0', 'TOLLGATE_TOKEN_CACHE must be an integer of at least 1, got 0.'],
  ])('explains what TOLLGATE_TOKEN_CACHE takes (%s)', (value, line) => {
    expect(
      failure({ ...valid, TOLLGATE_TOKEN_CACHE: value })
        .message.split('\n')
        .slice(1),
    ).toEqual([`  - ${line}`]);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['250', { maxEntries: 250 }],
  ])('reads TOLLGATE_TOKEN_CACHE=%s', (value, tokenCache) => {
    expect(optionsFromEnv({ ...valid, TOLLGATE_TOKEN_CACHE: value }).tokenCache).toEqual(tokenCache);
  });

  it('reads TOLLGATE_RESOURCE, which then stands in for TOLLGATE_AUDIENCE', () => {
    const resource = 'https://api.example.com/mcp';
    const options = optionsFromEnv({ TOLLGATE_ISSUER: 'https://auth.example.com', TOLLGATE_RESOURCE: resource });
    expect(options).toMatchObject({ resource, audience: undefined });
    expect(createVerifier(options).describe()).toEqual({
      resource,
      authorizationServers: ['https://auth.example.com'],
    });
    expect(optionsFromEnv({ ...valid, TOLLGATE_RESOURCE: resource })).toMatchObject({ resource, audience: 'orders' });
    expect(
      failure({ ...valid, TOLLGATE_RESOURCE: 'http://api.example.com/mcp' })
        .message.split('\n')
        .slice(1),
    ).toEqual([
      '  - TOLLGATE_RESOURCE must be an absolute https URL without a fragment, such as "https://api.example.com" (http is accepted on loopback hosts only); got "http://api.example.com/mcp".',
    ]);
  });

  it('refuses TOLLGATE_HS256_NOT_AFTER in epoch seconds, and without secrets', () => {
    const migration = { ...valid, TOLLGATE_ALGORITHMS: 'RS256,HS256', TOLLGATE_HS256_SECRETS: 'x'.repeat(32) };
    expect(
      failure({ ...migration, TOLLGATE_HS256_NOT_AFTER: '1767225600' })
        .message.split('\n')
        .slice(1),
    ).toEqual([
      '  - TOLLGATE_HS256_NOT_AFTER is 1767225600, which as epoch milliseconds is 1970-01-21T10:53:45.600Z; it looks like epoch seconds. Write 1767225600000 (milliseconds, 2026-01-01T00:00:00.000Z), a Date or an ISO 8601 string.',
    ]);
    expect(optionsFromEnv({ ...migration, TOLLGATE_HS256_NOT_AFTER: '1767225600000' })).toMatchObject({
      hs256: { notAfter: '1767225600000' },
    });
    expect(failure({ ...valid, TOLLGATE_HS256_NOT_AFTER: '2026-01-01' }).options).toEqual(['TOLLGATE_HS256_NOT_AFTER']);
  });
});

const valid = { TOLLGATE_ISSUER: 'https://auth.example.com', TOLLGATE_AUDIENCE: 'orders' };

function failure(env: Record<string, string>): ConfigError {
  try {
    optionsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
