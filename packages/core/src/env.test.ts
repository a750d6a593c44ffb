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
    expect(options).toMatchObject({ issuer: 'https://auth.example.com', audience: ['orders', 'billing'], algorithms: ['RS256', 'HS256'], tokenCache: { maxEntries: 500 }, clockToleranceSec: 10 });
    expect(() => createVerifier(options)).not.toThrow();
  });

  it('defaults the algorithms to RS256 and never enables HS256 on its own', () => {
    const options = optionsFromEnv({ TOLLGATE_JWKS_URI: 'https://partner.example/jwks.json', TOLLGATE_AUDIENCE: 'orders' });
    expect(options).toMatchObject({ algorithms: ['RS256'], hs256: undefined });
  });

  it('names every missing or invalid variable in one error', () => {
    let error: unknown;
    try {
      optionsFromEnv({ TOLLGATE_CLOCK_TOLERANCE_SEC: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).options).toEqual(['TOLLGATE_ISSUER', 'TOLLGATE_AUDIENCE', 'TOLLGATE_CLOCK_TOLERANCE_SEC']);
    expect((error as Error).message).toContain('TOLLGATE_AUDIENCE must be set');
  });
});
