import { describe, expect, it } from 'vitest';
import { ConfigError, createVerifier, type VerifierOptions } from './index.js';
import { resolveOptions } from './resolve-options.js';

const base = { issuer: 'https://auth.example.com', audience: 'orders', algorithms: ['RS256'] } as const;
const fail = (options: unknown) => {
  try {
    resolveOptions(options as VerifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveOptions(base);
    expect(resolved.maxTokenBytes).toBe(8192);
    expect(resolved.tokenCache).toBeNull();
    expect(resolved.jwks).toMatchObject({ connectTimeoutMs: 2000, headersTimeoutMs: 3000, bodyTimeoutMs: 3000, maxResponseBytes: 262_144, maxRedirects: 0, defaultMaxAgeSec: 600, minMaxAgeSec: 60, maxMaxAgeSec: 86_400, cooldownMs: 10_000, maxStaleSec: 86_400 });
    expect(resolved.issuers[0]!.policy).toMatchObject({ clockToleranceSec: 5, requireExp: true, maxTokenAgeSec: null, typ: null, requiredClaims: [] });
    expect(resolved.issuers[0]!.keys).toEqual({ discover: 'https://auth.example.com' });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('throws synchronously from createVerifier, listing every problem with the option name', () => {
    expect(() => createVerifier({ issuer: 'nope' } as unknown as VerifierOptions)).toThrow(ConfigError);
    const error = fail({ issuer: 'nope', algorithms: [] });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.options).toEqual(['issuer', 'audience', 'algorithms']);
    expect(error.message).toContain('pass null to skip the audience check on purpose');
  });

  it.each([
    ['"none"', { algorithms: ['none'] }, 'algorithms', 'never accepted'],
    ['"NoNe"', { algorithms: ['RS256', 'NoNe'] }, 'algorithms', 'never accepted'],
    ['an unknown algorithm', { algorithms: ['RS1'] }, 'algorithms', 'not supported'],
    ['HS256 without secrets', { algorithms: ['RS256', 'HS256'] }, 'algorithms', 'no hs256.secrets'],
    ['secrets without HS256', { hs256: { secrets: ['x'.repeat(32)] } }, 'algorithms', "must include 'HS256'"],
    ['a short secret', { algorithms: ['HS256'], hs256: { secrets: ['short'] } }, 'hs256.secrets[0]', 'at least 32 bytes'],
    ['an invalid end date', { algorithms: ['HS256'], hs256: { secrets: ['x'.repeat(32)], notAfter: 'soon' } }, 'hs256.notAfter', 'not a valid date'],
    ['a NaN timeout', { jwks: { headersTimeoutMs: Number.NaN } }, 'jwks.headersTimeoutMs', 'must be an integer'],
    ['too many redirects', { jwks: { maxRedirects: 50 } }, 'jwks.maxRedirects', 'from 0 to 5'],
    ['an http issuer on a public host', { issuer: 'http://auth.example.com' }, 'issuer', 'https'],
    ['no key location', { issuer: undefined }, 'issuer', 'jwksUri is required'],
    ['an empty audience', { audience: [] }, 'audience', 'non-empty'],
    ['a bad token cache', { tokenCache: 'yes' }, 'tokenCache', 'boolean'],
  ])('refuses %s', (_name, over, option, text) => {
    const error = fail({ ...base, ...over });
    expect(error.options).toContain(option);
    expect(error.message).toContain(text);
  });

  it('never puts a secret in the message', () => {
    const error = fail({ ...base, algorithms: ['HS256'], hs256: { secrets: ['tiny-secret-value'] } });
    expect(error.message).not.toContain('tiny-secret-value');
  });

  it('allows http for loopback hosts and with jwks.allowHttp', () => {
    expect(() => resolveOptions({ ...base, issuer: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(() => resolveOptions({ ...base, issuer: 'http://auth.internal', jwks: { allowHttp: true } })).not.toThrow();
  });

  it('requires issuer on every entry and refuses duplicates in multi-tenant mode', () => {
    const error = fail({
      issuers: [
        { jwksUri: 'https://a.example/jwks', audience: 'a', algorithms: ['RS256'] },
        { issuer: 'https://b.example', audience: 'b', algorithms: ['RS256'] },
        { issuer: 'https://b.example', audience: 'b', algorithms: ['RS256'] },
      ],
    });
    expect(error.options).toEqual(['issuers[0].issuer', 'issuers']);
  });

  it('lets an issuer entry override the shared claim policy', () => {
    const resolved = resolveOptions({
      clockToleranceSec: 30,
      typ: 'at+jwt',
      issuers: [
        { issuer: 'https://a.example', audience: 'a', algorithms: ['RS256'] },
        { issuer: 'https://b.example', audience: 'b', algorithms: ['ES256'], clockToleranceSec: 0, typ: null },
      ],
    });
    expect(resolved.issuers.map((i) => [i.policy.clockToleranceSec, i.policy.typ])).toEqual([
      [30, 'at+jwt'],
      [0, null],
    ]);
  });
});
