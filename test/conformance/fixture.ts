// The world the conformance corpus runs in: a real @tollgate/issuer (discovery + JWKS over HTTP)
// whose private keys the tests can read, a second real JWKS server publishing hostile entries the
// issuer would never publish, the attacker's own keys and certificate, and a canary server that
// `jku` / `x5u` headers point at and that must never be contacted.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { createMemoryKeyStore, type JwtClaims, type SignOptions } from '@tollgate/issuer';
import { startJwksServer, type JwksServer } from '../../packages/core/src/testing/jwks-server.mjs';
import { startIssuer, type TestIssuer } from '../support/issuer.js';
import { selfSignedRsaCertificate } from './x509.js';

export interface FixtureKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The JWK as published (or, for attacker keys, as the attacker would embed it). */
  readonly jwk: Record<string, unknown>;
}

/** Kids of the hostile JWKS. Several share key material on purpose: rejection must follow the entry's metadata, not the key bits. */
export const HOSTILE_KIDS = [
  'rsa-noalg',
  'rsa-ps256',
  'ops-verify',
  'es256',
  'es384',
  'es512',
  'ed-noalg',
  'enc',
  'ops-encrypt',
  'ops-sign',
  'rsa-alg-hs256',
  'rsa-alg-none',
  'rsa-1024',
  'rsa-2047',
  'rsa-e1',
  'rsa-16384',
  'ec-private',
  'ec-offcurve',
  'ec-crv-mismatch',
  'oct',
  'ed448',
  'secp256k1',
  'dup-rsa',
  'dup-ec',
  'ed-small-order-0',
  'ed-small-order-1',
  'ed-small-order-8a',
  'ed-small-order-8b',
  'ed-small-order-p-1',
  'ed-small-order-p',
  'ed-small-order-p+1',
] as const;
export type HostileKid = (typeof HOSTILE_KIDS)[number];

export interface Fixture {
  /** The verifiers' frozen clock, in seconds: every time claim is exact, never racy. */
  readonly now: number;
  readonly issuer: {
    readonly url: string;
    readonly jwksUri: string;
    readonly audience: string;
    readonly rs: FixtureKey;
    readonly es: FixtureKey;
    readonly ed: FixtureKey;
    /** Mints a token through @tollgate/issuer's own `sign()` (an independent producer). */
    mint(claims?: JwtClaims, options?: SignOptions): Promise<string>;
  };
  readonly hostile: {
    readonly jwksUri: string;
    readonly keys: Readonly<Record<HostileKid, FixtureKey>>;
    readonly octSecret: Buffer;
  };
  readonly partner: { readonly issuer: string; readonly audience: string };
  readonly attacker: {
    readonly rs: FixtureKey;
    readonly es: FixtureKey;
    readonly ed: FixtureKey;
    readonly certificate: Buffer;
  };
  /** Where `jku` / `x5u` point. Its request log must stay empty. */
  readonly canary: JwksServer;
  readonly secrets: { readonly current: string; readonly previous: string; readonly unknown: string };
  /** Valid claims for the issuer's tenant; `undefined` in `overrides` removes a claim. */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Valid claims for the partner tenant (multi-tenant profile). */
  partnerClaims(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export function withOverrides(
  base: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}

function fromPair(
  kid: string,
  pair: { privateKey: KeyObject; publicKey: KeyObject },
  extra: Record<string, unknown> = {},
): FixtureKey {
  return { kid, ...pair, jwk: withOverrides({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' }, extra) };
}

function fromStored(kid: string, privateJwk: JsonWebKey, publicJwk: Record<string, unknown>): FixtureKey {
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  return { kid, privateKey, publicKey: createPublicKey(privateKey), jwk: publicJwk };
}

const ED25519_P = (1n << 255n) - 19n;
const littleEndian32 = (n: bigint): Buffer => {
  const out = Buffer.alloc(32);
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};

/**
 * Encodings of the Ed25519 points of small order (libsodium's blocklist): y = 0, y = 1 (the
 * identity), the two points of order 8, y = -1, and the non-canonical p and p + 1. Node imports
 * every one of them, and with such a public key a signature R = B, S = 1 verifies for many
 * messages (every message for the identity): anyone can sign.
 */
export const ED25519_SMALL_ORDER: Readonly<Record<string, Buffer>> = {
  'ed-small-order-0': Buffer.alloc(32),
  'ed-small-order-1': littleEndian32(1n),
  'ed-small-order-8a': Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
  'ed-small-order-8b': Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
  'ed-small-order-p-1': littleEndian32(ED25519_P - 1n),
  'ed-small-order-p': littleEndian32(ED25519_P),
  'ed-small-order-p+1': littleEndian32(ED25519_P + 1n),
};

/** A JWKS entry nobody holds a private key for. */
const publicOnly = (kid: string, jwk: Record<string, unknown>): FixtureKey => ({
  kid,
  privateKey: undefined as never,
  publicKey: undefined as never,
  jwk: { ...jwk, kid },
});

function oddModulus(bits: number): Buffer {
  const n = randomBytes(bits / 8);
  n[0] = (n[0] ?? 0) | 0x80;
  n[n.length - 1] = (n[n.length - 1] ?? 0) | 1;
  return n;
}

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });

function hostileKeys(): Record<HostileKid, FixtureKey> {
  const shared = rsa();
  const p256 = ec('P-256');
  const offCurve = ec('P-256');
  const ed = generateKeyPairSync('ed25519');
  const e1Modulus = rsa();
  const octKey = randomBytes(32);
  const offJwk = offCurve.publicKey.export({ format: 'jwk' });
  const y = Buffer.from(offJwk.y as string, 'base64url');
  y[31] = (y[31] ?? 0) ^ 1;
  return {
    'rsa-noalg': fromPair('rsa-noalg', rsa()),
    'rsa-ps256': fromPair('rsa-ps256', rsa(), { alg: 'PS256' }),
    'ops-verify': fromPair('ops-verify', rsa(), { alg: 'RS256', use: undefined, key_ops: ['verify'] }),
    es256: fromPair('es256', p256, { alg: 'ES256' }),
    es384: fromPair('es384', ec('P-384'), { alg: 'ES384' }),
    es512: fromPair('es512', ec('P-521'), { alg: 'ES512' }),
    'ed-noalg': fromPair('ed-noalg', ed),
    enc: fromPair('enc', shared, { alg: 'RS256', use: 'enc' }),
    'ops-encrypt': fromPair('ops-encrypt', shared, { alg: 'RS256', use: undefined, key_ops: ['encrypt', 'wrapKey'] }),
    'ops-sign': fromPair('ops-sign', shared, { alg: 'RS256', use: undefined, key_ops: ['sign'] }),
    'rsa-alg-hs256': fromPair('rsa-alg-hs256', shared, { alg: 'HS256' }),
    'rsa-alg-none': fromPair('rsa-alg-none', shared, { alg: 'none' }),
    'rsa-1024': fromPair('rsa-1024', rsa(1024), { alg: 'RS256' }),
    'rsa-2047': fromPair('rsa-2047', rsa(2047), { alg: 'RS256' }),
    // A 2048-bit modulus with public exponent 1: "verifying" is the identity, so anyone can sign.
    'rsa-e1': fromPair('rsa-e1', e1Modulus, { alg: 'RS256', e: 'AQ' }),
    // Too large to be worth verifying; a random odd modulus stands in, since nobody signs with it.
    'rsa-16384': publicOnly('rsa-16384', {
      kty: 'RSA',
      use: 'sig',
      alg: 'RS256',
      e: 'AQAB',
      n: oddModulus(16_384).toString('base64url'),
    }),
    'ec-private': fromPair('ec-private', p256, {
      ...p256.privateKey.export({ format: 'jwk' }),
      kid: 'ec-private',
      alg: 'ES256',
    }),
    'ec-offcurve': fromPair('ec-offcurve', offCurve, { alg: 'ES256', y: y.toString('base64url') }),
    'ec-crv-mismatch': fromPair('ec-crv-mismatch', p256, { alg: 'ES384', crv: 'P-384' }),
    oct: publicOnly('oct', { kty: 'oct', use: 'sig', alg: 'HS256', k: octKey.toString('base64url') }),
    ed448: fromPair('ed448', generateKeyPairSync('ed448'), { alg: 'EdDSA' }),
    secp256k1: fromPair('secp256k1', ec('secp256k1'), { alg: 'ES256K' }),
    'dup-rsa': fromPair('dup', rsa(), { alg: 'RS256' }),
    'dup-ec': fromPair('dup', ec('P-256'), { alg: 'ES256' }),
    ...(Object.fromEntries(
      Object.entries(ED25519_SMALL_ORDER).map(([kid, x]) => [
        kid,
        publicOnly(kid, { kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA', x: x.toString('base64url') }),
      ]),
    ) as Record<keyof typeof ED25519_SMALL_ORDER, FixtureKey>),
  } as Record<HostileKid, FixtureKey>;
}

/** Starts every server and generates every key. Close it in `afterAll`. */
export async function createFixture(): Promise<Fixture> {
  const now = Math.floor(Date.now() / 1000);
  const keyStore = createMemoryKeyStore();
  const closers: (() => Promise<void>)[] = [];
  try {
    const idp: TestIssuer = await startIssuer({ keyStore });
    closers.push(() => idp.close());
    // The default tenant signs RS256; signing once with ES256 and EdDSA makes it create and publish those keys too.
    await idp.issuer.sign({}, { alg: 'ES256' });
    await idp.issuer.sign({}, { alg: 'EdDSA' });
    const stored = (await keyStore.read('default'))?.keys ?? [];
    const published = await idp.issuer.keys();
    const issuerKey = (alg: string): FixtureKey => {
      const entry = stored.find((k) => k.alg === alg);
      const info = published.find((k) => k.kid === entry?.kid);
      if (entry === undefined || info === undefined) throw new Error(`the issuer has no ${alg} key`);
      return fromStored(entry.kid, entry.privateJwk, info.publicJwk);
    };

    const keys = hostileKeys();
    const hostile = await startJwksServer({ keys: HOSTILE_KIDS.map((kid) => keys[kid].jwk), etag: false });
    closers.push(() => hostile.close());
    const canary = await startJwksServer({ etag: false });
    closers.push(() => canary.close());

    const attackerRs = fromPair('attacker-rsa', rsa(), { alg: 'RS256' });
    const base = {
      iss: idp.issuerUrl,
      sub: 'conformance-user',
      aud: idp.audience,
      iat: now - 10,
      exp: now + 600,
      jti: 'conformance-jti',
    };
    const partner = { issuer: 'https://partner.example', audience: 'partner-api' };
    return {
      now,
      issuer: {
        url: idp.issuerUrl,
        jwksUri: idp.jwksUri,
        audience: idp.audience,
        rs: issuerKey('RS256'),
        es: issuerKey('ES256'),
        ed: issuerKey('EdDSA'),
        mint: (claims = {}, options = {}) => idp.issuer.sign({ ...base, ...claims }, options),
      },
      hostile: { jwksUri: hostile.jwksUri, keys, octSecret: Buffer.from(keys.oct.jwk.k as string, 'base64url') },
      partner,
      attacker: {
        rs: attackerRs,
        es: fromPair('attacker-ec', ec('P-256'), { alg: 'ES256' }),
        ed: fromPair('attacker-ed', generateKeyPairSync('ed25519'), { alg: 'EdDSA' }),
        certificate: selfSignedRsaCertificate(attackerRs.privateKey, attackerRs.publicKey, 'attacker.example'),
      },
      canary,
      secrets: {
        current: 'conformance-hs256-migration-secret-0001',
        previous: 'conformance-hs256-migration-secret-0000',
        unknown: 'conformance-hs256-secret-nobody-trusts!!',
      },
      claims: (overrides) => withOverrides(base, overrides),
      partnerClaims: (overrides) => withOverrides({ ...base, iss: partner.issuer, aud: partner.audience }, overrides),
      close: async () => {
        await Promise.all(closers.map((close) => close()));
      },
    };
  } catch (error) {
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
    throw error;
  }
}
