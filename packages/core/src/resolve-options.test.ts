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
    expect(resolved.jwks).toMatchObject({
      connectTimeoutMs: 2000,
      headersTimeoutMs: 3000,
      bodyTimeoutMs: 3000,
      maxResponseBytes: 262_144,
      maxRedirects: 0,
      defaultMaxAgeSec: 600,
      minMaxAgeSec: 60,
      maxMaxAgeSec: 86_400,
      cooldownMs: 10_000,
      maxStaleSec: 86_400,
    });
    expect(resolved.issuers[0]!.policy).toMatchObject({
      clockToleranceSec: 5,
      requireExp: true,
      maxTokenAgeSec: null,
      typ: null,
      requiredClaims: [],
    });
    expect(resolved.issuers[0]!.keys).toEqual({ discover: 'https://auth.example.com' });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('throws synchronously from createVerifier, listing every problem with the option name', () => {
    expect(() => createVerifier({ issuer: 'nope' } as unknown as VerifierOptions)).toThrow(ConfigError);
    const error = fail({ issuer: 'nope', algorithms: [] });
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.options).toEqual(['issuer', 'audience', 'algorithms']);
    expect(error.message).toBe(
      [
        'Invalid tollgate configuration:',
        '  - issuer must be an absolute URL such as "https://auth.example.com", got "nope".',
        '  - audience is required; pass null to skip the audience check on purpose.',
        "  - algorithms must list at least one algorithm, e.g. ['RS256'].",
      ].join('\n'),
    );
  });

  it.each([
    ['"none"', { algorithms: ['none'] }, ['algorithms'], 'algorithms lists "none", which is never accepted.'],
    ['"NoNe"', { algorithms: ['RS256', 'NoNe'] }, ['algorithms'], 'algorithms lists "NoNe", which is never accepted.'],
    [
      'an unknown algorithm',
      { algorithms: ['RS1'] },
      ['algorithms'],
      'algorithms lists "RS1", which is not supported; the supported algorithms are RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 and HS256.',
    ],
    [
      'algorithms as a string',
      { algorithms: 'RS256' },
      ['algorithms'],
      `algorithms must be an array such as ['RS256'], not a string ("RS256").`,
    ],
    [
      'no algorithms',
      { algorithms: undefined },
      ['algorithms'],
      "algorithms is required: list the accepted algorithms, e.g. ['RS256'].",
    ],
    [
      'HS256 without secrets',
      { algorithms: ['RS256', 'HS256'] },
      ['algorithms'],
      "algorithms lists 'HS256' but no hs256.secrets are configured; HS256 is verified only against explicit migration secrets.",
    ],
    [
      'secrets without HS256',
      { hs256: { secrets: ['x'.repeat(32)] } },
      ['algorithms'],
      "algorithms must include 'HS256' when hs256.secrets are configured (or remove hs256 to refuse HS256).",
    ],
    [
      'a short secret',
      { algorithms: ['HS256'], hs256: { secrets: ['short'] } },
      ['hs256.secrets[0]'],
      'hs256.secrets[0] is 5 bytes long; HS256 secrets must be at least 32 bytes (RFC 7518 3.2), so use a longer random secret.',
    ],
    [
      'an invalid end date',
      { algorithms: ['HS256'], hs256: { secrets: ['x'.repeat(32)], notAfter: 'soon' } },
      ['hs256.notAfter'],
      `hs256.notAfter is not a valid date ("soon"); use a Date, an ISO 8601 string such as '2026-06-30T00:00:00Z', or epoch milliseconds.`,
    ],
    [
      'a NaN timeout',
      { jwks: { headersTimeoutMs: Number.NaN } },
      ['jwks.headersTimeoutMs'],
      'jwks.headersTimeoutMs must be an integer of at least 1, got NaN.',
    ],
    [
      'a timeout given as a string',
      { jwks: { cooldownMs: '5000' } },
      ['jwks.cooldownMs'],
      'jwks.cooldownMs must be an integer of at least 0, got "5000".',
    ],
    [
      'too many redirects',
      { jwks: { maxRedirects: 50 } },
      ['jwks.maxRedirects'],
      'jwks.maxRedirects must be an integer from 0 to 5, got 50.',
    ],
    [
      'an http issuer on a public host',
      { issuer: 'http://auth.example.com' },
      ['issuer'],
      'issuer uses http: for a host that is not loopback; keys must come over https (or set jwks.allowHttp to true on a trusted network).',
    ],
    [
      'no key location',
      { issuer: undefined },
      ['issuer', 'jwksUri'],
      'issuer or jwksUri is required to find the keys for RS256.',
    ],
    [
      'an empty audience',
      { audience: [] },
      ['audience'],
      'audience must be a non-empty string, a non-empty array of strings, or null.',
    ],
    [
      'a bad token cache',
      { tokenCache: 'yes' },
      ['tokenCache'],
      'tokenCache must be true, false or { maxEntries }, got "yes".',
    ],
    ['jwks that is not an object', { jwks: 5000 }, ['jwks'], 'jwks must be an object such as { cooldownMs: 5000 }.'],
    [
      'a logger without warn',
      { logger: { log: () => undefined } },
      ['logger'],
      'logger must be false or an object with a warn(message) method, such as console.',
    ],
    [
      'a min max-age over the max',
      { jwks: { minMaxAgeSec: 600, maxMaxAgeSec: 300 } },
      ['jwks.minMaxAgeSec'],
      'jwks.minMaxAgeSec must not exceed jwks.maxMaxAgeSec.',
    ],
  ])('refuses %s in one sentence naming the option once', (_name, over, options, line) => {
    const error = fail({ ...base, ...over });
    expect(error.options).toEqual(options);
    expect(error.message).toBe(`Invalid tollgate configuration:\n  - ${line}`);
  });

  describe('hs256.notAfter', () => {
    const hs256 = (notAfter: unknown) => ({
      ...base,
      algorithms: ['RS256', 'HS256'],
      hs256: { secrets: ['x'.repeat(32)], notAfter },
    });
    const lineFor = (notAfter: unknown) => fail(hs256(notAfter)).message.split('\n')[1];

    it('refuses epoch seconds, saying what they would mean as milliseconds', () => {
      expect(lineFor(1_767_225_600)).toBe(
        '  - hs256.notAfter is 1767225600, which as epoch milliseconds is 1970-01-21T10:53:45.600Z; it looks like epoch seconds. ' +
          'Write 1767225600000 (milliseconds, 2026-01-01T00:00:00.000Z), a Date or an ISO 8601 string.',
      );
      expect(lineFor('1767225600')).toContain('it looks like epoch seconds');
      expect(lineFor(new Date(1_767_225_600))).toContain(
        'is the Date 1970-01-21T10:53:45.600Z, which as epoch milliseconds',
      );
    });

    it.each([
      ['a negative number', -1, 'before 2001'],
      ['zero', 0, 'before 2001'],
      ['NaN', Number.NaN, 'is not a valid date'],
      ['an invalid Date', new Date('soon'), 'is not a valid date (an invalid Date)'],
      ['epoch microseconds', 1_767_225_600_000_000, 'after 2100'],
      ['a far-future ISO date', '9999-12-31', 'after 2100'],
      ['a boolean', true, 'must be a Date'],
    ])('refuses %s', (_name, notAfter, text) => {
      expect(fail(hs256(notAfter)).options).toEqual(['hs256.notAfter']);
      expect(lineFor(notAfter)).toContain(text);
    });

    it.each([
      ['epoch milliseconds', 1_767_225_600_000],
      ['epoch milliseconds as digits', '1767225600000'],
      ['an ISO string', '2026-01-01T00:00:00Z'],
      ['a Date', new Date('2026-01-01T00:00:00Z')],
    ])('accepts %s', (_name, notAfter) => {
      expect(resolveOptions(hs256(notAfter) as VerifierOptions).issuers[0]!.hs256!.notAfterMs).toBe(1_767_225_600_000);
    });
  });

  describe('unknown options', () => {
    it('refuses them at every level, suggesting the closest known name', () => {
      const error = fail({
        ...base,
        audiences: ['orders'],
        algorithm: ['RS256'],
        jwks: { timeoutMs: 1000 },
        tokenCache: { maxEntires: 10 },
        hs256: { secrets: ['x'.repeat(32)], notBefore: 1 },
        algorithms: ['RS256', 'HS256'],
      });
      expect(error.message).toBe(
        [
          'Invalid tollgate configuration:',
          '  - audiences is not a known option; did you mean audience?',
          '  - algorithm is not a known option; did you mean algorithms?',
          '  - jwks.timeoutMs is not a known option; did you mean jwks.connectTimeoutMs, jwks.headersTimeoutMs or jwks.bodyTimeoutMs?',
          '  - hs256.notBefore is not a known option; the options here are hs256.secrets and hs256.notAfter.',
          '  - tokenCache.maxEntires is not a known option; did you mean tokenCache.maxEntries?',
        ].join('\n'),
      );
      expect(error.options).toEqual([
        'audiences',
        'algorithm',
        'jwks.timeoutMs',
        'hs256.notBefore',
        'tokenCache.maxEntires',
      ]);
    });

    it('in each issuer entry, and explains options set at the wrong level', () => {
      const error = fail({
        audience: 'orders',
        jwks: {},
        issuers: [
          {
            issuer: 'https://a.example',
            audience: 'a',
            algorithms: ['RS256'],
            jwksUrl: 'https://a.example/jwks',
            maxTokenBytes: 4096,
          },
          { issuer: 'https://b.example', audience: 'b', algorithms: ['RS256'], frob: 1 },
        ],
      });
      expect(error.message).toBe(
        [
          'Invalid tollgate configuration:',
          '  - audience is set per issuer: with issuers, set it on each entry.',
          '  - issuers[0].maxTokenBytes is verifier-wide: set it at the top level, next to issuers.',
          '  - issuers[0].jwksUrl is not a known option; did you mean issuers[0].jwksUri?',
          '  - issuers[1].frob is not a known option; check its spelling against the options table in the README.',
        ].join('\n'),
      );
    });
  });

  it('lists an option once even when it has several problems, and reports a shared option once for all issuers', () => {
    const error = fail({
      clockToleranceSec: -1,
      issuers: [
        { issuer: 'https://a.example', audience: 'a', algorithms: ['none', 'RS1'] },
        { issuer: 'https://b.example', audience: 'b', algorithms: ['RS256'] },
      ],
    });
    expect(error.options).toEqual(['clockToleranceSec', 'issuers[0].algorithms']);
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('defaults the logger to console, takes any object with warn, and false silences it', () => {
    const logger = { warn: () => undefined };
    expect(resolveOptions(base).logger).toBe(console);
    expect(resolveOptions({ ...base, logger }).logger).toBe(logger);
    expect(resolveOptions({ ...base, logger: false }).logger).toBeNull();
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
    expect(error.message).toBe(
      [
        'Invalid tollgate configuration:',
        "  - issuers[0].issuer is required on each entry of issuers: the token's iss selects the entry.",
        '  - issuers lists https://b.example twice; list each issuer once.',
      ].join('\n'),
    );
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

  describe('resource (RFC 8707)', () => {
    const resource = 'https://api.example.com/mcp';
    const audiences = (options: unknown) =>
      resolveOptions(options as VerifierOptions).issuers.map((i) => i.policy.audience);

    it('is the accepted audience when audience is left out, and comes first next to a given one', () => {
      expect(audiences({ resource, issuer: 'https://auth.example.com', algorithms: ['RS256'] })).toEqual([[resource]]);
      expect(
        audiences({
          resource,
          issuer: 'https://auth.example.com',
          audience: ['orders', resource],
          algorithms: ['RS256'],
        }),
      ).toEqual([[resource, 'orders']]);
      expect(
        audiences({
          resource,
          issuers: [
            { issuer: 'https://a.example', algorithms: ['RS256'] },
            { issuer: 'https://b.example', audience: 'legacy-b', algorithms: ['ES256'] },
          ],
        }),
      ).toEqual([[resource], [resource, 'legacy-b']]);
      expect(resolveOptions(base).resource).toBeUndefined();
    });

    it('refuses audience: null next to it (tokens for any resource), and a resource that is not an https URL', () => {
      const error = fail({ ...base, resource, audience: null, maxTokenBytes: 1 });
      expect(error.options).toEqual(['audience', 'maxTokenBytes']);
      expect(error.message.split('\n')[1]).toBe(
        '  - audience cannot be null with resource: tokens must be meant for this resource; leave audience out to accept the resource alone.',
      );
      expect(
        fail({ resource, issuers: [{ issuer: 'https://a.example', audience: null, algorithms: ['RS256'] }] }).options,
      ).toEqual(['issuers[0].audience']);
      expect(fail({ ...base, resource: 'http://api.example.com/mcp#tools' }).message).toBe(
        'Invalid tollgate configuration:\n  - resource must be an absolute https URL without a fragment, such as "https://api.example.com" (http is accepted on loopback hosts only); got "http://api.example.com/mcp#tools".',
      );
    });

    it('accepts loopback http, for development', () => {
      expect(resolveOptions({ ...base, resource: 'http://127.0.0.1:3000/mcp' }).resource).toBe(
        'http://127.0.0.1:3000/mcp',
      );
    });
  });
});
