import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConfigError, DpopError } from '../errors.js';
import {
  HTU,
  NOW_MS,
  NOW_SEC,
  makeProof,
  makeProofKey,
  proofClaims,
  rawProof,
  signWith,
  type ProofAlg,
} from '../testing/dpop-proofs.js';
import { DpopNonces } from './dpop-nonce.js';
import { createDpopProofPolicy } from './dpop-proof-policy.js';
import { accessTokenHash, verifyDpopProof, type DpopProofExpectation } from './dpop-proof.js';

const policy = createDpopProofPolicy();
const expectation = (overrides: Partial<DpopProofExpectation> = {}): DpopProofExpectation => ({
  method: 'GET',
  htu: HTU,
  nowMs: NOW_MS,
  policy,
  ...overrides,
});

const es = makeProofKey('ES256');
const es2 = makeProofKey('ES256');
const es384 = makeProofKey('ES384');
const rs = makeProofKey('RS256');
const ed = makeProofKey('EdDSA');
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });

const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const nonceClock = { now: NOW_MS };
const nonces = new DpopNonces({ secret: 'n'.repeat(32), clock: () => nonceClock.now });

/** Replaces the payload of a signed proof, keeping header and signature. */
function withPayload(proof: string, claims: Record<string, unknown>): string {
  const [header, , signature] = proof.split('.');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('verifyDpopProof accepts', () => {
  it.each<ProofAlg>(['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])(
    'a valid %s proof, with the jose thumbprint as jkt',
    async (alg) => {
      const key = alg === 'RS256' ? rs : alg === 'ES256' ? es : makeProofKey(alg);
      const proof = await makeProof(key, { jti: 'id-1' });
      const jkt = await calculateJwkThumbprint(key.publicJwk, 'sha256');
      const verified = verifyDpopProof(proof, expectation());
      expect({ ...verified, key: undefined }).toEqual({
        jkt,
        jti: 'id-1',
        iat: NOW_SEC,
        alg,
        key: undefined,
        nonce: undefined,
        replayId: `${jkt}:id-1`,
        replayTtlMs: 305_000,
      });
      expect(verified.key.algorithms.has(alg)).toBe(true);
    },
  );

  it('a kid header, which is ignored (the jwk is the only key)', async () => {
    const verified = verifyDpopProof(await makeProof(es, {}, { kid: 'somebody-elses-key' }), expectation());
    expect(verified.jkt).toBe(await calculateJwkThumbprint(es.publicJwk as never));
  });

  it('an htu that differs only in case, default port, percent-encoding case, query and fragment', async () => {
    const proof = await makeProof(es, { htu: 'HTTPS://API.Example.COM:443/orders/%37?page=2#top' });
    expect(verifyDpopProof(proof, expectation()).jti).toBeTypeOf('string');
  });

  it('iat at both edges of the window, and a jti of the maximum length', async () => {
    for (const iat of [NOW_SEC - 300, NOW_SEC + 5]) {
      expect(verifyDpopProof(await makeProof(es, { iat }), expectation()).iat).toBe(iat);
    }
    expect(verifyDpopProof(await makeProof(es, { jti: 'j'.repeat(256) }), expectation()).jti).toHaveLength(256);
  });

  it('ath matching the access token; an ath without an access token is not checked', async () => {
    const proof = await makeProof(es, { ath: accessTokenHash(ACCESS_TOKEN) });
    expect(accessTokenHash(ACCESS_TOKEN)).toBe(createHash('sha256').update(ACCESS_TOKEN).digest('base64url'));
    expect(verifyDpopProof(proof, expectation({ accessToken: ACCESS_TOKEN })).jti).toBeTypeOf('string');
    expect(verifyDpopProof(await makeProof(es, { ath: 'whatever' }), expectation()).jti).toBeTypeOf('string');
  });

  it('a nonce of the current or the previous step, returned in the result', async () => {
    const previous = nonces.issue(NOW_MS - 60_000);
    const current = nonces.issue(NOW_MS);
    expect(previous).not.toBe(current);
    for (const nonce of [current, previous]) {
      expect(verifyDpopProof(await makeProof(es, { nonce }), expectation({ nonce: nonces })).nonce).toBe(nonce);
    }
  });

  it('sets the replay TTL to the rest of the acceptance window plus the clock skew, cut short by exp', async () => {
    expect(verifyDpopProof(await makeProof(es, { iat: NOW_SEC - 100 }), expectation()).replayTtlMs).toBe(205_000);
    expect(verifyDpopProof(await makeProof(es, { exp: NOW_SEC + 10 }), expectation()).replayTtlMs).toBe(20_000);
  });
});

describe('verifyDpopProof key cache', () => {
  it('imports a client key once and reuses it for its later proofs', async () => {
    const own = createDpopProofPolicy();
    const first = verifyDpopProof(await makeProof(es), expectation({ policy: own }));
    const second = verifyDpopProof(
      await makeProof(es, {}, { jwk: { ...es.publicJwk, kid: 'k', alg: 'ES256', use: 'sig' } }),
      expectation({ policy: own }),
    );
    expect([second.key === first.key, second.jkt === first.jkt, own.keys?.size]).toEqual([true, true, 1]);
    verifyDpopProof(await makeProof(es2), expectation({ policy: own }));
    expect(own.keys?.size).toBe(2);
  });

  it('imports every time when disabled', async () => {
    const uncached = createDpopProofPolicy({ keyCacheMaxEntries: 0 });
    const first = verifyDpopProof(await makeProof(es), expectation({ policy: uncached }));
    const second = verifyDpopProof(await makeProof(es), expectation({ policy: uncached }));
    expect([uncached.keys, first.key === second.key]).toEqual([null, false]);
  });

  it('decodes and checks a repeated header once, and still checks every proof that carries it', async () => {
    const own = createDpopProofPolicy();
    const first = verifyDpopProof(await makeProof(es, { jti: 'memo-1' }), expectation({ policy: own }));
    const again = await makeProof(es, { jti: 'memo-2' });
    const second = verifyDpopProof(again, expectation({ policy: own }));
    expect([own.headers?.decoded.size, second.key === first.key, second.jti]).toEqual([1, true, 'memo-2']);
    // Same header segment: the payload, its claims and the signature are still checked.
    expect(() =>
      verifyDpopProof(withPayload(again, proofClaims({ jti: 'memo-3' })), expectation({ policy: own })),
    ).toThrow(expect.objectContaining({ reason: 'signature' }));
    expect(() => verifyDpopProof(again, expectation({ policy: own, method: 'POST' }))).toThrow(
      expect.objectContaining({ reason: 'htm' }),
    );
  });

  it('still refuses a cached key whose header members are refused', async () => {
    const own = createDpopProofPolicy();
    verifyDpopProof(await makeProof(es), expectation({ policy: own }));
    for (const jwk of [
      { ...es.publicJwk, use: 'enc' },
      { ...es.publicJwk, d: es.privateJwk.d },
      { ...es.publicJwk, key_ops: ['sign'] },
      { ...es.publicJwk, alg: 'ES384' },
    ]) {
      expect(() =>
        verifyDpopProof(
          rawProof({ alg: 'ES256', typ: 'dpop+jwt', jwk }, proofClaims(), signWith.es256(es.privateKey)),
          expectation({ policy: own }),
        ),
      ).toThrow(DpopError);
    }
  });
});

type Refusal = { code: string; reason: string };
const invalid = (reason: string): Refusal => ({ code: 'ERR_DPOP_PROOF_INVALID', reason });

const esHeader = { alg: 'ES256', typ: 'dpop+jwt', jwk: es.publicJwk };
const refusals: [string, () => unknown, Refusal, Partial<DpopProofExpectation>?][] = [
  ['a number instead of a string', () => 42, invalid('malformed')],
  ['an empty string', () => '', invalid('malformed')],
  ['two parts', async () => (await makeProof(es)).split('.').slice(0, 2).join('.'), invalid('malformed')],
  ['two proofs joined by a comma', async () => `${await makeProof(es)},${await makeProof(es)}`, invalid('malformed')],
  ['five parts (JWE)', () => 'a.b.c.d.e', invalid('malformed')],
  ['padding in the signature', async () => `${await makeProof(es)}=`, invalid('malformed')],
  [
    'a crit header',
    () => rawProof({ ...esHeader, crit: ['x'], x: 1 }, proofClaims(), signWith.es256(es.privateKey)),
    invalid('malformed'),
  ],
  ['a proof over maxProofBytes', () => makeProof(es, { pad: 'x'.repeat(9000) }), invalid('too-large')],
  ['no typ', () => makeProof(es, {}, { typ: undefined }), invalid('typ')],
  ['typ "JWT"', () => makeProof(es, {}, { typ: 'JWT' }), invalid('typ')],
  ['typ in another case', () => makeProof(es, {}, { typ: 'DPoP+JWT' }), invalid('typ')],
  ['typ "application/dpop+jwt"', () => makeProof(es, {}, { typ: 'application/dpop+jwt' }), invalid('typ')],
  ['alg "none"', () => rawProof({ ...esHeader, alg: 'none' }, proofClaims(), Buffer.from('x')), invalid('alg')],
  [
    'alg HS256 with a secret',
    () =>
      rawProof(
        { alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } },
        proofClaims(),
        signWith.hs256(Buffer.from('secret')),
      ),
    invalid('alg'),
  ],
  [
    'an alg outside the configured list',
    () => makeProof(rs),
    invalid('alg'),
    { policy: createDpopProofPolicy({ algorithms: ['ES256'] }) },
  ],
  [
    'alg ES256 with an RSA jwk',
    () => rawProof({ ...esHeader, jwk: rs.publicJwk }, proofClaims(), signWith.es256(es.privateKey)),
    invalid('alg'),
  ],
  [
    'alg ES256 with a P-384 jwk',
    () => rawProof({ ...esHeader, jwk: es384.publicJwk }, proofClaims(), signWith.es256(es.privateKey)),
    invalid('alg'),
  ],
  [
    'alg EdDSA with an EC jwk',
    () => rawProof({ ...esHeader, alg: 'EdDSA' }, proofClaims(), Buffer.alloc(64)),
    invalid('alg'),
  ],
  [
    'alg RS256 with a jwk whose own alg is PS256',
    () => makeProof(rs, {}, { jwk: { ...rs.publicJwk, alg: 'PS256' } }),
    invalid('alg'),
  ],
  ['a jku header', () => makeProof(es, {}, { jku: 'https://attacker.example/jwks' }), invalid('key-reference')],
  ['an x5u header', () => makeProof(es, {}, { x5u: 'https://attacker.example/cert.pem' }), invalid('key-reference')],
  ['an x5c header', () => makeProof(es, {}, { x5c: ['MIIB'] }), invalid('key-reference')],
  ['no jwk', () => makeProof(es, {}, { jwk: undefined }), invalid('jwk')],
  ['a jwk that is a string', () => makeProof(es, {}, { jwk: 'key' }), invalid('jwk')],
  ['a jwk that is an array', () => makeProof(es, {}, { jwk: [es.publicJwk] }), invalid('jwk')],
  ...(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const).map((member): [string, () => unknown, Refusal] => [
    `a jwk with the private member "${member}"`,
    () => makeProof(es, {}, { jwk: { ...es.publicJwk, [member]: 'AQAB' } }),
    invalid('jwk'),
  ]),
  ['the whole private jwk', () => makeProof(es, {}, { jwk: es.privateJwk }), invalid('jwk')],
  ['a jwk with use "enc"', () => makeProof(es, {}, { jwk: { ...es.publicJwk, use: 'enc' } }), invalid('jwk')],
  [
    'a jwk whose key_ops lack verify',
    () => makeProof(es, {}, { jwk: { ...es.publicJwk, key_ops: ['sign'] } }),
    invalid('jwk'),
  ],
  ['a jwk without y', () => makeProof(es, {}, { jwk: { kty: 'EC', crv: 'P-256', x: es.publicJwk.x } }), invalid('jwk')],
  [
    'a jwk with padded base64url',
    () => makeProof(es, {}, { jwk: { ...es.publicJwk, x: `${es.publicJwk.x}=` } }),
    invalid('jwk'),
  ],
  [
    'a jwk with a short coordinate',
    () => makeProof(es, {}, { jwk: { ...es.publicJwk, x: es.publicJwk.x!.slice(4) } }),
    invalid('jwk'),
  ],
  [
    'a jwk whose point is not on the curve',
    () => makeProof(es, {}, { jwk: { ...es.publicJwk, y: Buffer.alloc(32, 7).toString('base64url') } }),
    invalid('jwk'),
  ],
  [
    'a 1024-bit RSA key',
    () =>
      rawProof(
        { alg: 'RS256', typ: 'dpop+jwt', jwk: rsa1024.publicKey.export({ format: 'jwk' }) },
        proofClaims(),
        signWith.rs256(rsa1024.privateKey),
      ),
    invalid('jwk'),
  ],
  [
    'an RSA key over 4096 bits',
    () =>
      makeProof(
        rs,
        {},
        { jwk: { ...rs.publicJwk, n: Buffer.concat([Buffer.from([0xc1]), randomBytes(512)]).toString('base64url') } },
      ),
    invalid('jwk'),
  ],
  ['an RSA key with e = 1', () => makeProof(rs, {}, { jwk: { ...rs.publicJwk, e: 'AQ' } }), invalid('jwk')],
  [
    'an Ed25519 key of small order',
    () => makeProof(ed, {}, { jwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.alloc(32).toString('base64url') } }),
    invalid('jwk'),
  ],
  ['a signature by another key', () => makeProof(es, {}, { jwk: es2.publicJwk }), invalid('signature')],
  [
    'a payload changed after signing',
    async () => withPayload(await makeProof(es), proofClaims({ htm: 'GET' })),
    invalid('signature'),
  ],
  ['htm in lower case', () => makeProof(es, { htm: 'get' }), invalid('htm')],
  ['another htm', () => makeProof(es, { htm: 'POST' }), invalid('htm')],
  ['no htm', () => makeProof(es, { htm: undefined }), invalid('htm')],
  ['no htu', () => makeProof(es, { htu: undefined }), invalid('htu')],
  ['an htu that is not a string', () => makeProof(es, { htu: ['https://api.example.com/orders/7'] }), invalid('htu')],
  ['an htu with another scheme', () => makeProof(es, { htu: 'http://api.example.com/orders/7' }), invalid('htu')],
  ['an htu with another host', () => makeProof(es, { htu: 'https://api.example.org/orders/7' }), invalid('htu')],
  ['an htu with another port', () => makeProof(es, { htu: 'https://api.example.com:8443/orders/7' }), invalid('htu')],
  ['an htu with another path', () => makeProof(es, { htu: 'https://api.example.com/orders/8' }), invalid('htu')],
  ['an htu with a trailing slash', () => makeProof(es, { htu: 'https://api.example.com/orders/7/' }), invalid('htu')],
  ['an htu with userinfo', () => makeProof(es, { htu: 'https://user@api.example.com/orders/7' }), invalid('htu')],
  ['a relative htu', () => makeProof(es, { htu: '/orders/7' }), invalid('htu')],
  [
    'an htu with CR/LF',
    () => makeProof(es, { htu: 'https://api.example.com/orders/7\r\nSet-Cookie: x=1' }),
    invalid('htu'),
  ],
  ['no iat', () => makeProof(es, { iat: undefined }), invalid('iat')],
  ['an iat string', () => makeProof(es, { iat: String(NOW_SEC) }), invalid('iat')],
  ['an iat 301 s old', () => makeProof(es, { iat: NOW_SEC - 301 }), invalid('iat')],
  ['an iat 6 s ahead', () => makeProof(es, { iat: NOW_SEC + 6 }), invalid('iat')],
  ['an exp that has passed', () => makeProof(es, { exp: NOW_SEC - 10 }), invalid('exp')],
  ['an exp that is not a number', () => makeProof(es, { exp: 'tomorrow' }), invalid('exp')],
  ['an nbf in the future', () => makeProof(es, { nbf: NOW_SEC + 60 }), invalid('nbf')],
  ['no jti', () => makeProof(es, { jti: undefined }), invalid('jti')],
  ['an empty jti', () => makeProof(es, { jti: '' }), invalid('jti')],
  ['a numeric jti', () => makeProof(es, { jti: 7 }), invalid('jti')],
  ['a jti of 257 characters', () => makeProof(es, { jti: 'j'.repeat(257) }), invalid('jti')],
  ['no ath while an access token is sent', () => makeProof(es), invalid('ath'), { accessToken: ACCESS_TOKEN }],
  [
    'the ath of another token',
    () => makeProof(es, { ath: accessTokenHash(`${ACCESS_TOKEN}x`) }),
    invalid('ath'),
    { accessToken: ACCESS_TOKEN },
  ],
  [
    'no nonce when nonces are required',
    () => makeProof(es),
    { code: 'ERR_DPOP_NONCE_REQUIRED', reason: 'nonce' },
    { nonce: nonces },
  ],
  [
    'a nonce two steps old',
    () => makeProof(es, { nonce: nonces.issue(NOW_MS - 120_000) }),
    { code: 'ERR_DPOP_NONCE_REQUIRED', reason: 'nonce' },
    { nonce: nonces },
  ],
  [
    'a nonce that is not a string',
    () => makeProof(es, { nonce: 1 }),
    { code: 'ERR_DPOP_NONCE_REQUIRED', reason: 'nonce' },
    { nonce: nonces },
  ],
];

describe('verifyDpopProof refuses', () => {
  it.each(refusals)('%s', async (_name, build, refusal, overrides) => {
    const proof = (await build()) as string;
    let caught: unknown;
    try {
      verifyDpopProof(proof, expectation(overrides));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DpopError);
    const { code, reason, status, message } = caught as DpopError;
    expect({ code, reason }).toEqual(refusal);
    expect(status).toBe(401);
    // No part of the proof (header, claims, signature) is ever echoed.
    if (typeof proof === 'string' && proof.length > 0) {
      for (const part of proof.split('.').filter((p) => p.length > 8)) expect(message).not.toContain(part);
    }
  });
});

describe('createDpopProofPolicy', () => {
  it('resolves the documented defaults', () => {
    const { keys, allowed, headers, ...rest } = createDpopProofPolicy();
    expect(rest).toEqual({
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
      maxAgeMs: 300_000,
      clockSkewMs: 5_000,
      maxProofBytes: 8192,
      maxJtiChars: 256,
    });
    expect([keys?.max, allowed.size, headers?.decoded.size]).toEqual([1000, 11, 0]);
  });

  it('refuses every bad option at once, naming each', () => {
    let caught: unknown;
    try {
      createDpopProofPolicy({
        algorithms: ['ES256', 'HS256' as never, 'none' as never],
        maxAgeSec: 0,
        clockSkewSec: Number.NaN,
        maxProofBytes: 100.5,
        maxJtiChars: 0,
        keyCacheMaxEntries: -1,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).options).toEqual([
      'dpop.algorithms',
      'dpop.maxAgeSec',
      'dpop.clockSkewSec',
      'dpop.maxProofBytes',
      'dpop.maxJtiChars',
      'dpop.keyCacheMaxEntries',
    ]);
    expect(() => createDpopProofPolicy({ algorithms: [] })).toThrow(ConfigError);
  });
});
