// Tokens signed by other JWT libraries (jsonwebtoken, fast-jwt, jose) verify against keys served
// over real HTTP, including HS256 through the migration secret; tampered copies are refused.
// Keys are generated with node:crypto; each library signs with its own code path and options.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { createVerifier, isTollgateError, type TollgateErrorCode, type Verifier } from '@tollgate/core';
import { createSigner } from 'fast-jwt';
import { SignJWT } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksServer, type JwksServer } from '../../packages/core/src/testing/jwks-server.mjs';

const ISSUER = 'https://interop.example';
const AUDIENCE = 'orders-api';
const SECRET = 'interop-hs256-migration-secret-0123456789';
const OTHER_SECRET = 'a-different-secret-that-nobody-configured';

type Alg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256';

interface Key {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly pem: string;
}

function makeKey(alg: Exclude<Alg, 'HS256'>): { key: Key; jwk: Record<string, unknown> } {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `interop-${alg.toLowerCase()}`;
  return {
    key: { kid, privateKey: pair.privateKey, pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string },
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  };
}

interface SignRequest {
  readonly alg: Alg;
  /** Private key, or the HS256 secret. */
  readonly key: Key | string;
  readonly claims: Record<string, unknown>;
}

interface Library {
  readonly name: string;
  readonly algorithms: readonly Alg[];
  sign(request: SignRequest): Promise<string>;
}

// Each library is asked for iss/aud/exp/sub through its own options where it has them.
const LIBRARIES: readonly Library[] = [
  {
    name: 'jsonwebtoken',
    algorithms: ['RS256', 'PS256', 'ES256', 'HS256'],
    sign: ({ alg, key, claims }) =>
      Promise.resolve(
        jsonwebtoken.sign(claims, typeof key === 'string' ? key : key.privateKey, {
          algorithm: alg as jsonwebtoken.Algorithm,
          ...(typeof key === 'string' ? {} : { keyid: key.kid }),
          issuer: ISSUER,
          audience: AUDIENCE,
          subject: 'interop-user',
          expiresIn: '10m',
        }),
      ),
  },
  {
    name: 'fast-jwt',
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
    sign: ({ alg, key, claims }) =>
      Promise.resolve(
        createSigner({
          algorithm: alg,
          key: typeof key === 'string' ? key : key.pem,
          ...(typeof key === 'string' ? {} : { kid: key.kid }),
          iss: ISSUER,
          aud: AUDIENCE,
          sub: 'interop-user',
          expiresIn: 600_000,
        })(claims),
      ),
  },
  {
    name: 'jose',
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
    sign: async ({ alg, key, claims }) =>
      new SignJWT(claims)
        .setProtectedHeader(typeof key === 'string' ? { alg } : { alg, kid: key.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('interop-user')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(typeof key === 'string' ? new TextEncoder().encode(key) : key.privateKey),
  },
];

let jwks: JwksServer;
let verifier: Verifier;
let keys: Record<Exclude<Alg, 'HS256'>, Key>;
let strangers: Record<Exclude<Alg, 'HS256'>, Key>;

beforeAll(async () => {
  const made = { RS256: makeKey('RS256'), PS256: makeKey('PS256'), ES256: makeKey('ES256'), EdDSA: makeKey('EdDSA') };
  keys = { RS256: made.RS256.key, PS256: made.PS256.key, ES256: made.ES256.key, EdDSA: made.EdDSA.key };
  // Same kids, other key material: what an attacker signing "under our kid" would use.
  strangers = {
    RS256: makeKey('RS256').key,
    PS256: makeKey('PS256').key,
    ES256: makeKey('ES256').key,
    EdDSA: makeKey('EdDSA').key,
  };
  jwks = await startJwksServer({ keys: Object.values(made).map((m) => m.jwk), etag: false });
  verifier = createVerifier({
    issuer: ISSUER,
    jwksUri: jwks.jwksUri,
    audience: AUDIENCE,
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
    hs256: { secrets: [SECRET] },
  });
});

afterAll(async () => {
  await verifier?.close();
  await jwks?.close();
});

async function refusal(token: string): Promise<TollgateErrorCode> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('a tampered token was accepted');
  if (!isTollgateError(error)) throw new Error(`refused with a non-tollgate error: ${inspect(error)}`);
  return error.code;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe.each(LIBRARIES)('tokens signed by $name', (library) => {
  const keyFor = (alg: Alg): Key | string => (alg === 'HS256' ? SECRET : keys[alg]);

  it.each(library.algorithms)('%s verifies, with the claims the library wrote', async (alg) => {
    const token = await library.sign({ alg, key: keyFor(alg), claims: { scope: 'orders:read', tenant: 'acme' } });
    const result = await verifier.verify(token);
    expect(result).toMatchObject({
      alg,
      keySource: alg === 'HS256' ? 'secret' : 'jwks',
      kid: alg === 'HS256' ? undefined : keys[alg].kid,
    });
    expect(result.claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'interop-user',
      scope: 'orders:read',
      tenant: 'acme',
    });
    expect(result.claims.exp! - result.claims.iat!).toBe(600);
  });

  it.each(library.algorithms)('%s: tampered copies are refused', async (alg) => {
    const token = await library.sign({ alg, key: keyFor(alg), claims: { scope: 'orders:read' } });
    const [h = '', p = '', s = ''] = token.split('.');
    const payload = decode(p);
    const header = decode(h);

    // Escalated scope, original signature.
    expect(await refusal(`${h}.${b64({ ...payload, scope: 'orders:read orders:admin' })}.${s}`)).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
    // Extended lifetime, original signature.
    expect(await refusal(`${h}.${b64({ ...payload, exp: (payload.exp as number) + 86_400 })}.${s}`)).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    );
    // One bit of the signature flipped.
    const sig = Buffer.from(s, 'base64url');
    sig[sig.length >> 1] = (sig[sig.length >> 1] ?? 0) ^ 0x01;
    expect(await refusal(`${h}.${p}.${sig.toString('base64url')}`)).toBe('ERR_TOKEN_SIGNATURE_INVALID');
    // Signature stripped: the unsigned-token downgrade.
    expect(await refusal(`${b64({ ...header, alg: 'none' })}.${p}.`)).toBe('ERR_TOKEN_MALFORMED');
    // Header alg switched to a sibling, signature kept: the JWK's own alg (or the allowlist) refuses it.
    const sibling: Record<Alg, [string, TollgateErrorCode]> = {
      RS256: ['PS256', 'ERR_ALG_KEY_MISMATCH'],
      PS256: ['RS256', 'ERR_ALG_KEY_MISMATCH'],
      ES256: ['ES384', 'ERR_ALG_NOT_ALLOWED'],
      EdDSA: ['ES256', 'ERR_ALG_KEY_MISMATCH'],
      // No kid on HS256 tokens: the one RS256 key is tried, and the HMAC is no RSA signature.
      HS256: ['RS256', 'ERR_TOKEN_SIGNATURE_INVALID'],
    };
    const [otherAlg, expected] = sibling[alg];
    expect(await refusal(`${b64({ ...header, alg: otherAlg })}.${p}.${s}`)).toBe(expected);
  });

  it.each(library.algorithms)('%s signed by a key tollgate does not trust is refused', async (alg) => {
    const token = await library.sign({ alg, key: alg === 'HS256' ? OTHER_SECRET : strangers[alg], claims: {} });
    expect(await refusal(token)).toBe('ERR_TOKEN_SIGNATURE_INVALID');
  });
});

describe('HS256 outside migration mode', () => {
  it('library-signed HS256 tokens are refused when no secret is configured', async () => {
    const strict = createVerifier({ issuer: ISSUER, jwksUri: jwks.jwksUri, audience: AUDIENCE, algorithms: ['RS256'] });
    try {
      for (const library of LIBRARIES) {
        const token = await library.sign({ alg: 'HS256', key: SECRET, claims: {} });
        await expect(strict.verify(token)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
      }
    } finally {
      await strict.close();
    }
  });
});
