// The adversarial corpus: one row per token, with the verifier profile it runs under, the exact
// outcome expected and why. Sources: RFC 7515 (JWS), RFC 7518 (JWA), RFC 7519 (JWT), RFC 7797
// (b64), RFC 8725 (JWT BCP), RFC 9068 (JWT access tokens), and published attacks on JWT libraries.
// Every hostile token is built by hand (jws.ts); nothing on the way sanitizes it.
import { createHash, createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { TollgateErrorCode, VerifiedToken, VerifierOptions } from '@tollgate/core';
import type { Fixture, FixtureKey, HostileKid } from './fixture.js';
import { ED25519_SMALL_ORDER, withOverrides } from './fixture.js';
import { b64u, compact, fixedSignature, flipByte, parts, signer, withPart, type Part, type Signer } from './jws.js';

/** Verifier configurations the rows run under. All share the fixture's frozen clock. */
export type Profile =
  | 'issuer'
  | 'issuer-typ'
  | 'issuer-zero-tolerance'
  | 'issuer-max-age'
  | 'issuer-required-claims'
  | 'issuer-migration'
  | 'issuer-migration-ended'
  | 'hostile'
  | 'hostile-migration'
  | 'multi';

export type Expected = { readonly accept: true } | { readonly code: TollgateErrorCode; readonly claim?: string };

export interface CorpusCase {
  /** Stable, unique id, e.g. `alg-none/None/unsigned`. */
  readonly id: string;
  readonly group: string;
  readonly description: string;
  /** RFC section or published attack the row comes from. */
  readonly ref: string;
  readonly profile: Profile;
  readonly token: (f: Fixture) => string | Promise<string>;
  readonly expected: Expected;
  /** Why this outcome is the right one. */
  readonly reason: string;
  /** Extra assertions on an accepted token. */
  readonly check?: (result: VerifiedToken, f: Fixture) => void;
  /**
   * Set while the core has a bug this row exposes: the runner marks the row `it.fails` and the
   * summary lists it. The value names the fix in the conformance report / SECURITY.md.
   */
  readonly knownBug?: string;
}

const ALL_ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
const ISSUER_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'] as const;

/** The verifier options of each profile. */
export function profileOptions(profile: Profile, f: Fixture): VerifierOptions {
  const clock = () => f.now * 1000;
  const issuer = { issuer: f.issuer.url, audience: f.issuer.audience, algorithms: [...ISSUER_ALGS], clock };
  const migration = {
    algorithms: [...ISSUER_ALGS, 'HS256' as const],
    hs256: { secrets: [f.secrets.current, f.secrets.previous] },
  };
  const hostile = { jwksUri: f.hostile.jwksUri, audience: f.issuer.audience, algorithms: [...ALL_ASYMMETRIC], clock };
  switch (profile) {
    case 'issuer':
      return issuer;
    case 'issuer-typ':
      return { ...issuer, typ: 'at+jwt' };
    case 'issuer-zero-tolerance':
      return { ...issuer, clockToleranceSec: 0 };
    case 'issuer-max-age':
      return { ...issuer, maxTokenAgeSec: 300 };
    case 'issuer-required-claims':
      return { ...issuer, requiredClaims: ['constructor', 'toString', '__proto__'] };
    case 'issuer-migration':
      return { ...issuer, ...migration };
    case 'issuer-migration-ended':
      return { ...issuer, ...migration, hs256: { ...migration.hs256, notAfter: (f.now - 1) * 1000 } };
    case 'hostile':
      return hostile;
    case 'hostile-migration':
      return { ...hostile, algorithms: [...ALL_ASYMMETRIC, 'HS256'], hs256: { secrets: [f.secrets.current] } };
    case 'multi':
      return {
        clock,
        issuers: [
          { issuer: f.issuer.url, audience: f.issuer.audience, algorithms: [...ISSUER_ALGS] },
          {
            issuer: f.partner.issuer,
            jwksUri: f.hostile.jwksUri,
            audience: f.partner.audience,
            algorithms: ['RS256', 'ES256'],
          },
        ],
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const ACCEPT: Expected = { accept: true };
const code = (c: TollgateErrorCode, claim?: string): Expected =>
  claim === undefined ? { code: c } : { code: c, claim };
const EMPTY = fixedSignature(Buffer.alloc(0));

const rsSign = (f: Fixture) => signer('RS256', f.issuer.rs.privateKey);
const esSign = (f: Fixture) => signer('ES256', f.issuer.es.privateKey);
const edSign = (f: Fixture) => signer('EdDSA', f.issuer.ed.privateKey);

/** Header with alg/typ/kid defaults for `key`; `undefined` in overrides removes a member. */
const head = (alg: string, key: FixtureKey | undefined, overrides: Record<string, unknown> = {}) =>
  withOverrides({ alg, typ: 'JWT', ...(key === undefined ? {} : { kid: key.kid }) }, overrides);

/** A token correctly signed by the issuer's RSA key, with header and claim overrides. */
const rs256 = (f: Fixture, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) =>
  compact(head('RS256', f.issuer.rs, header), f.claims(claims), rsSign(f));
/** The same with raw header and payload parts (strings are used byte for byte). */
const rs256Raw = (f: Fixture, header: Part, payload: Part) => compact(header, payload, rsSign(f));
const es256 = (f: Fixture, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) =>
  compact(head('ES256', f.issuer.es, header), f.claims(claims), esSign(f));
const eddsa = (f: Fixture, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) =>
  compact(head('EdDSA', f.issuer.ed, header), f.claims(claims), edSign(f));
type SecretName = keyof Fixture['secrets'];
const hs256 =
  (secret: SecretName, header: Record<string, unknown> = {}) =>
  (f: Fixture) =>
    compact(withOverrides({ alg: 'HS256', typ: 'JWT' }, header), f.claims(), signer('HS256', f.secrets[secret]));
/** Signed by `key` under `alg`, as the hostile JWKS's owner would. */
const byKey =
  (alg: string, key: FixtureKey, header: Record<string, unknown> = {}, sign: Signer = signer(alg, key.privateKey)) =>
  (f: Fixture) =>
    compact(head(alg, key, header), f.claims(), sign);
const hostileKey = (f: Fixture, kid: keyof Fixture['hostile']['keys']) => f.hostile.keys[kid];

// Ed25519 base point B, encoded (RFC 8032 5.1): R = B and S = 1 satisfy [S]B = R + [k]A whenever [k]A is the identity.
const ED25519_B = Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex');

/**
 * What an attacker does with a small-order key: vary jti until node:crypto accepts the fixed signature.
 * Newer OpenSSL builds (Node 24) refuse small-order points in verify themselves; there the first
 * attempt is returned, and the row still proves tollgate refuses the key before any signature check.
 */
function forgeForSmallOrderKey(f: Fixture, kid: HostileKid): string {
  const key = createPublicKey({ key: hostileKey(f, kid).jwk as JsonWebKey, format: 'jwk' });
  const signature = Buffer.concat([ED25519_B, Buffer.from([1]), Buffer.alloc(31)]);
  const attempt = (i: number) => `${b64u(head('EdDSA', hostileKey(f, kid)))}.${b64u(f.claims({ jti: `forged-${i}` }))}`;
  for (let i = 0; i < 500; i++) {
    const input = attempt(i);
    if (cryptoVerify(null, Buffer.from(input), key, signature)) return `${input}.${b64u(signature)}`;
  }
  return `${attempt(0)}.${b64u(signature)}`;
}

/** Raw JSON header text for the issuer's RSA key, for rows whose header is not what JSON.stringify makes. */
const rsHeaderJson = (f: Fixture, extra = '') =>
  `{"alg":"RS256","typ":"JWT","kid":${JSON.stringify(f.issuer.rs.kid)}${extra}}`;

// P-256 group order n, for r/s edge values (FIPS 186-4 D.1.2.3).
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
// Ed25519 group order L (RFC 8032 5.1), little-endian as signatures encode S.
const ED25519_L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

function addLittleEndian(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  let carry = 0;
  for (let i = 0; i < a.length; i++) {
    const sum = (a[i] ?? 0) + (b[i] ?? 0) + carry;
    out[i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

function subtractBigEndian(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  let borrow = 0;
  for (let i = a.length - 1; i >= 0; i--) {
    let diff = (a[i] ?? 0) - (b[i] ?? 0) - borrow;
    borrow = diff < 0 ? 1 : 0;
    if (diff < 0) diff += 256;
    out[i] = diff;
  }
  return out;
}

/** Standard base64 with padding: the encoding RFC 7515 2 forbids in compact JWS. */
const toStandardBase64 = (part: string) => Buffer.from(part, 'base64url').toString('base64');

/** Changes the last character so the decoded bytes stay equal but unused low bits are set. */
function nonCanonical(part: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const unused = [0, 0, 4, 2][part.length % 4] ?? 0;
  if (unused === 0) throw new Error('part has no unused bits');
  const last = alphabet.indexOf(part.at(-1) ?? 'A');
  return part.slice(0, -1) + alphabet[last | 1];
}

/** A legit RS256 token of exactly `length` characters (padded with a filler claim). */
function rs256OfLength(f: Fixture, length: number): string {
  for (const typ of ['JWT', 'at+jwt', undefined]) {
    for (let fill = Math.max(0, Math.floor(((length - 700) * 3) / 4)); fill < length; fill++) {
      const token = rs256(f, { typ }, { fill: 'x'.repeat(fill) });
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`no RS256 token of exactly ${length} characters`);
}

/** Public-key encodings a confused verifier might take as the HMAC secret (CVE-2016-10555 and kin), per kty. */
type KeyForm = readonly [name: string, secret: (key: FixtureKey) => string | Buffer];
const pem = (key: FixtureKey, type: 'spki' | 'pkcs1') => key.publicKey.export({ format: 'pem', type }) as string;
const der = (key: FixtureKey, type: 'spki' | 'pkcs1') => key.publicKey.export({ format: 'der', type });
const member = (key: FixtureKey, name: string) => Buffer.from(key.jwk[name] as string, 'base64url');
const COMMON_FORMS: readonly KeyForm[] = [
  ['PEM SPKI', (k) => pem(k, 'spki')],
  ['PEM SPKI without final newline', (k) => pem(k, 'spki').trimEnd()],
  ['DER SPKI', (k) => der(k, 'spki')],
  ['JWK JSON as published', (k) => JSON.stringify(k.jwk)],
  ['JWK JSON, public members only', (k) => JSON.stringify(k.publicKey.export({ format: 'jwk' }))],
];
const PUBLIC_KEY_FORMS: Readonly<Record<'rsa' | 'ec' | 'ed25519', readonly KeyForm[]>> = {
  rsa: [
    ...COMMON_FORMS,
    ['PEM PKCS#1', (k) => pem(k, 'pkcs1')],
    ['DER PKCS#1', (k) => der(k, 'pkcs1')],
    ['raw modulus bytes', (k) => member(k, 'n')],
    ['modulus as base64url text', (k) => k.jwk.n as string],
  ],
  ec: [
    ...COMMON_FORMS,
    ['raw uncompressed point', (k) => Buffer.concat([Buffer.from([4]), member(k, 'x'), member(k, 'y')])],
    ['x coordinate', (k) => member(k, 'x')],
  ],
  ed25519: [...COMMON_FORMS, ['raw 32-byte public key', (k) => member(k, 'x')]],
};

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

type Row = Omit<CorpusCase, 'group' | 'ref'>;
const rows: CorpusCase[] = [];
const add = (group: string, ref: string, list: readonly Row[]) => {
  for (const row of list) rows.push({ ...row, group, ref, id: `${group}/${row.id}` });
};

// --- Baseline: real tokens must verify ------------------------------------------------------
add('baseline', 'RFC 7515 5.2, RFC 7519 7.2', [
  {
    id: 'rs256',
    description: 'RS256 token by the issuer key, kid in the JWKS',
    profile: 'issuer',
    token: (f) => rs256(f),
    expected: ACCEPT,
    reason: 'A correct token must verify: every refusal below is measured against this.',
    check: (r, f) => expectKid(r, f.issuer.rs.kid),
  },
  {
    id: 'es256',
    description: 'ES256 token (r||s) by the issuer key',
    profile: 'issuer',
    token: (f) => es256(f),
    expected: ACCEPT,
    reason: 'Correct ES256 token.',
  },
  {
    id: 'eddsa',
    description: 'EdDSA (Ed25519) token by the issuer key',
    profile: 'issuer',
    token: (f) => eddsa(f),
    expected: ACCEPT,
    reason: 'Correct EdDSA token.',
  },
  {
    id: 'issuer-sign-rs256',
    description: 'RS256 token minted by @tollgate/issuer itself',
    profile: 'issuer',
    token: (f) => f.issuer.mint(),
    expected: ACCEPT,
    reason: 'Tokens from the reference issuer verify through discovery.',
  },
  {
    id: 'issuer-sign-es256',
    description: 'ES256 token minted by @tollgate/issuer',
    profile: 'issuer',
    token: (f) => f.issuer.mint({}, { alg: 'ES256' }),
    expected: ACCEPT,
    reason: 'Same, ES256.',
  },
  {
    id: 'issuer-sign-eddsa',
    description: 'EdDSA token minted by @tollgate/issuer',
    profile: 'issuer',
    token: (f) => f.issuer.mint({}, { alg: 'EdDSA' }),
    expected: ACCEPT,
    reason: 'Same, EdDSA.',
  },
  {
    id: 'cached-profile-twice',
    description: 'the same token again (cache hit in the cached run)',
    profile: 'issuer',
    token: (f) => rs256(f, {}, { jti: 'twice' }),
    expected: ACCEPT,
    reason: 'Verifying twice gives the same answer.',
  },
]);

function expectKid(result: VerifiedToken, kid: string): void {
  if (result.kid !== kid || result.keySource !== 'jwks')
    throw new Error(`accepted with kid ${String(result.kid)} from ${result.keySource}, expected ${kid} from jwks`);
}

// --- alg: none --------------------------------------------------------------------------------
{
  const list: Row[] = [];
  for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe', 'nONE']) {
    list.push(
      {
        id: `${alg}/unsigned`,
        description: `alg "${alg}", empty signature`,
        profile: 'issuer',
        token: (f) => compact({ alg, typ: 'JWT' }, f.claims(), EMPTY),
        expected: code('ERR_TOKEN_MALFORMED'),
        reason: 'An unsecured JWT has an empty signature part; tollgate never accepts one, whatever the alg says.',
      },
      {
        id: `${alg}/unsigned-with-kid`,
        description: `alg "${alg}", JWKS kid, empty signature`,
        profile: 'issuer',
        token: (f) => compact({ alg, kid: f.issuer.rs.kid }, f.claims(), EMPTY),
        expected: code('ERR_TOKEN_MALFORMED'),
        reason: 'A kid does not make an unsigned token signed.',
      },
      {
        id: `${alg}/with-signature`,
        description: `alg "${alg}" with a real RS256 signature`,
        profile: 'issuer',
        token: (f) => compact({ alg, kid: f.issuer.rs.kid }, f.claims(), rsSign(f)),
        expected: code('ERR_ALG_NOT_ALLOWED'),
        reason:
          '"none" is never in the allowlist (it cannot be configured); the header alg decides, not the signature.',
      },
    );
  }
  list.push(
    {
      id: 'none-migration',
      description: 'alg "none" under HS256 migration',
      profile: 'issuer-migration',
      token: (f) => compact({ alg: 'none' }, f.claims(), fixedSignature(Buffer.alloc(32))),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'Migration mode adds HS256 only.',
    },
    {
      id: 'none-hostile',
      description: 'alg "none" against a JWKS with every key type',
      profile: 'hostile',
      token: (f) => compact({ alg: 'none' }, f.claims(), fixedSignature(Buffer.alloc(1))),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'No key makes "none" acceptable.',
    },
    {
      id: 'none-trailing-space',
      description: 'alg "none " (trailing space)',
      profile: 'issuer',
      token: (f) => compact({ alg: 'none ' }, f.claims(), fixedSignature(Buffer.alloc(1))),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'Exact, case-sensitive allowlist match (RFC 7515 4.1.1: alg is case-sensitive).',
    },
    {
      id: 'none-nul',
      description: 'alg "none\\u0000"',
      profile: 'issuer',
      token: (f) => compact({ alg: 'none\u0000' }, f.claims(), fixedSignature(Buffer.alloc(1))),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'No truncation at NUL.',
    },
    {
      id: 'none-unicode-escapes',
      description: 'alg spelled "\\u006eone" in the JSON text, signed',
      profile: 'issuer',
      token: (f) => rs256Raw(f, '{"alg":"\\u006eone"}', f.claims()),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'The header is judged after JSON decoding, so escapes cannot smuggle "none" past a textual check.',
    },
    {
      id: 'issuer-sign-none',
      description: 'unsigned token minted by @tollgate/issuer (alg none)',
      profile: 'issuer',
      token: (f) => f.issuer.mint({}, { alg: 'none' }),
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'An independent producer of unsecured JWTs is refused the same way.',
    },
  );
  add('alg-none', 'RFC 8725 2.1, 3.1; RFC 7519 6; CVE-2015-9235', list);
}

// --- Signatures ---------------------------------------------------------------------------------
add('signature', 'RFC 7515 5.2; RFC 7518 3.3-3.5; RFC 8725 3.3, 3.4', [
  {
    id: 'empty/RS256',
    description: 'RS256 header, empty signature',
    profile: 'issuer',
    token: (f) => compact(head('RS256', f.issuer.rs), f.claims(), EMPTY),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Empty signature part = unsigned.',
  },
  {
    id: 'empty/ES256',
    description: 'ES256 header, empty signature',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.es), f.claims(), EMPTY),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Same for ECDSA.',
  },
  {
    id: 'empty/EdDSA',
    description: 'EdDSA header, empty signature',
    profile: 'issuer',
    token: (f) => compact(head('EdDSA', f.issuer.ed), f.claims(), EMPTY),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Same for EdDSA.',
  },
  {
    id: 'one-zero-byte',
    description: 'RS256 with a one-byte signature',
    profile: 'issuer',
    token: (f) => compact(head('RS256', f.issuer.rs), f.claims(), fixedSignature(Buffer.alloc(1))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Wrong length for the modulus; never valid.',
  },
  {
    id: 'foreign-key/RS256',
    description: 'signed by an attacker RSA key, under the JWKS kid',
    profile: 'issuer',
    token: (f) => compact(head('RS256', f.issuer.rs), f.claims(), signer('RS256', f.attacker.rs.privateKey)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The kid selects the published key; the attacker key does not match it.',
  },
  {
    id: 'foreign-key/ES256',
    description: 'signed by an attacker P-256 key, under the JWKS kid',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.es), f.claims(), signer('ES256', f.attacker.es.privateKey)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Same for ECDSA.',
  },
  {
    id: 'foreign-key/EdDSA',
    description: 'signed by an attacker Ed25519 key, under the JWKS kid',
    profile: 'issuer',
    token: (f) => compact(head('EdDSA', f.issuer.ed), f.claims(), signer('EdDSA', f.attacker.ed.privateKey)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Same for EdDSA.',
  },
  {
    id: 'tampered-payload',
    description: 'payload changed (sub: admin), signature kept',
    profile: 'issuer',
    token: (f) => withPart(rs256(f), 1, b64u(f.claims({ sub: 'admin' }))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The signature covers the payload.',
  },
  {
    id: 'tampered-header',
    description: 'header changed (typ added), signature kept',
    profile: 'issuer',
    token: (f) => withPart(rs256(f), 0, b64u(head('RS256', f.issuer.rs, { typ: 'at+jwt' }))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The signature covers the protected header too (RFC 7515 5.1).',
  },
  {
    id: 'header-reserialized',
    description: 'same header members re-serialized with spaces, signature kept',
    profile: 'issuer',
    token: (f) => withPart(rs256(f), 0, b64u(JSON.stringify(head('RS256', f.issuer.rs), null, 1))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The signature covers the encoded bytes, not the JSON meaning.',
  },
  {
    id: 'signature-transplant',
    description: "another valid token's signature on this header.payload",
    profile: 'issuer',
    token: (f) => withPart(rs256(f, {}, { sub: 'admin' }), 2, parts(rs256(f))[2]),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Signatures are bound to their own signing input.',
  },
  {
    id: 'rsa-leading-zero',
    description: 'valid RSA signature with a 0x00 byte prepended (257 bytes)',
    profile: 'issuer',
    token: (f) => {
      const t = rs256(f);
      return withPart(t, 2, b64u(Buffer.concat([Buffer.alloc(1), Buffer.from(parts(t)[2], 'base64url')])));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'RFC 8017 8.2.2: the signature must be exactly k octets long.',
  },
  {
    id: 'rsa-truncated',
    description: 'valid RSA signature minus its last byte',
    profile: 'issuer',
    token: (f) => {
      const t = rs256(f);
      return withPart(t, 2, b64u(Buffer.from(parts(t)[2], 'base64url').subarray(0, -1)));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Wrong length.',
  },
  {
    id: 'rsa-bit-flip',
    description: 'valid RSA signature with one bit flipped',
    profile: 'issuer',
    token: (f) => {
      const t = rs256(f);
      return withPart(t, 2, b64u(flipByte(Buffer.from(parts(t)[2], 'base64url'), 100)));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Any change breaks the signature.',
  },
  {
    id: 'rs384-labelled-rs256',
    description: 'RS384 signature (SHA-384) under an RS256 header',
    profile: 'issuer',
    token: (f) => compact(head('RS256', f.issuer.rs), f.claims(), signer('RS384', f.issuer.rs.privateKey)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The digest is part of the algorithm; the DigestInfo differs.',
  },
  {
    id: 'pss-labelled-rs256',
    description: 'PSS signature under an RS256 header (key without alg)',
    profile: 'hostile',
    token: (f) =>
      compact(
        head('RS256', hostileKey(f, 'rsa-noalg')),
        f.claims(),
        signer('PS256', hostileKey(f, 'rsa-noalg').privateKey),
      ),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'RS256 means PKCS#1 v1.5 padding.',
  },
  {
    id: 'pkcs1-labelled-ps256',
    description: 'PKCS#1 v1.5 signature under a PS256 header',
    profile: 'hostile',
    token: (f) =>
      compact(
        head('PS256', hostileKey(f, 'rsa-noalg')),
        f.claims(),
        signer('RS256', hostileKey(f, 'rsa-noalg').privateKey),
      ),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'PS256 means PSS padding.',
  },
  {
    id: 'pss-salt-0',
    description: 'PS256 signature with a zero-length salt',
    profile: 'hostile',
    token: (f) =>
      compact(
        head('PS256', hostileKey(f, 'rsa-noalg')),
        f.claims(),
        signer('PS256', hostileKey(f, 'rsa-noalg').privateKey, { saltLength: 0 }),
      ),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'RFC 7518 3.5: the salt is as long as the digest (32 bytes for PS256).',
  },
  {
    id: 'pss-salt-max',
    description: 'PS256 signature with the maximum salt length',
    profile: 'hostile',
    token: (f) =>
      compact(
        head('PS256', hostileKey(f, 'rsa-noalg')),
        f.claims(),
        signer('PS256', hostileKey(f, 'rsa-noalg').privateKey, { saltLength: 222 }),
      ),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Same: only the digest-length salt is JWA PS256.',
  },
  {
    id: 'ecdsa-psychic-zero',
    description: 'ES256 "psychic signature": r = s = 0 (64 zero bytes)',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.es), f.claims(), fixedSignature(Buffer.alloc(64))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'CVE-2022-21449: r and s must be in [1, n-1]; a zero signature verifies nothing.',
  },
  {
    id: 'ecdsa-psychic-zero-es384',
    description: 'ES384 r = s = 0 (96 zero bytes)',
    profile: 'hostile',
    token: (f) => compact(head('ES384', hostileKey(f, 'es384')), f.claims(), fixedSignature(Buffer.alloc(96))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Same on P-384.',
  },
  {
    id: 'ecdsa-r-s-equal-n',
    description: 'ES256 r = s = n (the group order)',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.es), f.claims(), fixedSignature(Buffer.concat([P256_N, P256_N]))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'n is congruent to 0; out of range.',
  },
  {
    id: 'ecdsa-r-zero',
    description: 'ES256 valid s with r = 0',
    profile: 'issuer',
    token: (f) => {
      const t = es256(f);
      const sig = Buffer.from(parts(t)[2], 'base64url');
      return withPart(t, 2, b64u(Buffer.concat([Buffer.alloc(32), sig.subarray(32)])));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'r out of range.',
  },
  {
    id: 'ecdsa-der',
    description: 'ES256 signature DER-encoded (as some libraries wrongly emit)',
    profile: 'issuer',
    token: (f) =>
      compact(head('ES256', f.issuer.es), f.claims(), signer('ES256', f.issuer.es.privateKey, { dsaEncoding: 'der' })),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'RFC 7518 3.4: the JWS signature is the 64-byte r||s, never ASN.1 DER.',
  },
  {
    id: 'ecdsa-65-bytes',
    description: 'ES256 r||s with a zero byte prepended (65 bytes)',
    profile: 'issuer',
    token: (f) => {
      const t = es256(f);
      return withPart(t, 2, b64u(Buffer.concat([Buffer.alloc(1), Buffer.from(parts(t)[2], 'base64url')])));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Exactly 64 bytes for ES256.',
  },
  {
    id: 'ecdsa-high-s',
    description: 'ES256 signature (r, n - s): the malleated twin of a valid signature',
    profile: 'issuer',
    token: (f) => {
      const t = es256(f, {}, { jti: 'high-s' });
      const sig = Buffer.from(parts(t)[2], 'base64url');
      return withPart(t, 2, b64u(Buffer.concat([sig.subarray(0, 32), subtractBigEndian(P256_N, sig.subarray(32))])));
    },
    expected: ACCEPT,
    reason:
      'ECDSA signatures are malleable and JWA does not require low-s: (r, n-s) is a valid signature by the real key over the real claims, so this is not a forgery. Token strings are therefore not unique ids; use jti for replay detection (SECURITY.md).',
  },
  {
    id: 'eddsa-zero',
    description: 'EdDSA all-zero signature',
    profile: 'issuer',
    token: (f) => compact(head('EdDSA', f.issuer.ed), f.claims(), fixedSignature(Buffer.alloc(64))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Small-order R and S = 0 must not verify.',
  },
  {
    id: 'eddsa-s-plus-l',
    description: 'EdDSA signature with S replaced by S + L (non-canonical)',
    profile: 'issuer',
    token: (f) => {
      const t = eddsa(f);
      const sig = Buffer.from(parts(t)[2], 'base64url');
      return withPart(t, 2, b64u(Buffer.concat([sig.subarray(0, 32), addLittleEndian(sig.subarray(32), ED25519_L)])));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'RFC 8032 5.1.7: S must be < L; refusing S + L prevents Ed25519 malleability.',
  },
  {
    id: 'hmac-labelled-rs256',
    description: 'RS256 header carrying an HMAC of the migration secret',
    profile: 'issuer-migration',
    token: (f) => compact(head('RS256', f.issuer.rs), f.claims(), signer('HS256', f.secrets.current)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Migration secrets are never tried for asymmetric algs.',
  },
]);

// --- HS256 key confusion -------------------------------------------------------------------------
{
  const list: Row[] = [];
  const keys = {
    rsa: (f: Fixture) => f.issuer.rs,
    ec: (f: Fixture) => f.issuer.es,
    ed25519: (f: Fixture) => f.issuer.ed,
  } as const;
  for (const name of ['rsa', 'ec', 'ed25519'] as const) {
    for (const [form, secretOf] of PUBLIC_KEY_FORMS[name]) {
      const pick = keys[name];
      const token = (f: Fixture) =>
        compact({ alg: 'HS256', typ: 'JWT', kid: pick(f).kid }, f.claims(), signer('HS256', secretOf(pick(f))));
      const slug = form.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      list.push(
        {
          id: `${name}/${slug}/strict`,
          description: `HS256 with the ${name.toUpperCase()} public key (${form}) as secret, HS256 off`,
          profile: 'issuer',
          token,
          expected: code('ERR_ALG_NOT_ALLOWED'),
          reason: 'HS256 is refused outright unless migration secrets are configured.',
        },
        {
          id: `${name}/${slug}/migration`,
          description: `HS256 with the ${name.toUpperCase()} public key (${form}) as secret, migration on`,
          profile: 'issuer-migration',
          token,
          expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
          reason:
            'HS256 is checked only against the configured secrets, never against JWKS key material in any encoding.',
        },
      );
    }
  }
  list.push(
    {
      id: 'jwks-oct-key/strict',
      description: 'HS256 signed with an "oct" key published in the JWKS',
      profile: 'hostile',
      token: (f) => compact({ alg: 'HS256', kid: 'oct' }, f.claims(), signer('HS256', f.hostile.octSecret)),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'Symmetric keys from a JWKS are never used (a published secret is no secret).',
    },
    {
      id: 'jwks-oct-key/migration',
      description: 'the same with HS256 migration on (other secret configured)',
      profile: 'hostile-migration',
      token: (f) => compact({ alg: 'HS256', kid: 'oct' }, f.claims(), signer('HS256', f.hostile.octSecret)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Only configured secrets verify HS256; the JWKS oct entry is ignored.',
    },
  );
  add('key-confusion', 'RFC 8725 2.1, 3.1; CVE-2016-10555; CVE-2015-9235', list);
}

// --- alg / kty / crv / JWK alg mismatches ------------------------------------------------------
add('alg-key-mismatch', 'RFC 8725 3.1; RFC 7517 4.4; RFC 7518 3.1', [
  {
    id: 'rs256-at-ec-key',
    description: 'RS256 header, kid of the issuer EC key (RSA signature)',
    profile: 'issuer',
    token: (f) => compact(head('RS256', f.issuer.es), f.claims(), rsSign(f)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'The key named by kid cannot do RS256.',
  },
  {
    id: 'es256-at-rsa-key',
    description: 'ES256 header, kid of the issuer RSA key',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.rs), f.claims(), esSign(f)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'kty RSA cannot do ECDSA.',
  },
  {
    id: 'eddsa-at-ec-key',
    description: 'EdDSA header, kid of the EC key',
    profile: 'issuer',
    token: (f) => compact(head('EdDSA', f.issuer.es), f.claims(), edSign(f)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'kty EC cannot do EdDSA.',
  },
  {
    id: 'es256-at-okp-key',
    description: 'ES256 header, kid of the Ed25519 key',
    profile: 'issuer',
    token: (f) => compact(head('ES256', f.issuer.ed), f.claims(), esSign(f)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'kty OKP cannot do ECDSA.',
  },
  {
    id: 'ps256-at-rs256-jwk',
    description: 'PS256 token by the issuer RSA key, whose JWK says alg RS256',
    profile: 'issuer',
    token: (f) => compact(head('PS256', f.issuer.rs), f.claims(), signer('PS256', f.issuer.rs.privateKey)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason:
      'A JWK alg restricts the key to that algorithm (RFC 7517 4.4), even when the signature is mathematically valid.',
  },
  {
    id: 'es384-at-p256-key',
    description: 'ES384 header, kid of the P-256 key',
    profile: 'issuer',
    token: (f) => compact(head('ES384', f.issuer.es), f.claims(), signer('ES384', f.issuer.es.privateKey)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'ES384 requires P-384.',
  },
  {
    id: 'ed25519-at-eddsa-jwk',
    description: 'alg "Ed25519" with the key whose JWK says alg "EdDSA"',
    profile: 'issuer',
    token: (f) => compact(head('Ed25519', f.issuer.ed), f.claims(), edSign(f)),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'The JWK alg string must equal the token alg.',
  },
  {
    id: 'rs512-not-allowed',
    description: 'RS512 token (not in the allowlist) by the issuer RSA key',
    profile: 'issuer',
    token: (f) => compact(head('RS512', f.issuer.rs), f.claims(), signer('RS512', f.issuer.rs.privateKey)),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'The allowlist is checked before any key.',
  },
  {
    id: 'es256k-unsupported',
    description: 'alg ES256K (secp256k1)',
    profile: 'hostile',
    token: (f) => byKey('ES256', hostileKey(f, 'secp256k1'), { alg: 'ES256K' })(f),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'Not a supported algorithm.',
  },
  {
    id: 'lowercase-rs256',
    description: 'alg "rs256"',
    profile: 'issuer',
    token: (f) => compact(head('rs256', f.issuer.rs), f.claims(), rsSign(f)),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'alg values are case-sensitive (RFC 7515 4.1.1).',
  },
  {
    id: 'rs256-at-ps256-jwk',
    description: 'RS256 token by a key whose JWK says alg PS256',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-ps256'))(f),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'JWK alg differs from the token alg.',
  },
  {
    id: 'ps256-at-ps256-jwk',
    description: 'PS256 token by the PS256 JWK',
    profile: 'hostile',
    token: (f) => byKey('PS256', hostileKey(f, 'rsa-ps256'))(f),
    expected: ACCEPT,
    reason: 'Matching alg: valid.',
  },
  {
    id: 'noalg-rsa/RS256',
    description: 'RS256 by an RSA key whose JWK has no alg',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'alg is optional in a JWK; kty RSA allows every RSA algorithm in the allowlist.',
  },
  {
    id: 'noalg-rsa/RS384',
    description: 'RS384 by the same key',
    profile: 'hostile',
    token: (f) => byKey('RS384', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'noalg-rsa/RS512',
    description: 'RS512 by the same key',
    profile: 'hostile',
    token: (f) => byKey('RS512', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'noalg-rsa/PS256',
    description: 'PS256 by the same key',
    profile: 'hostile',
    token: (f) => byKey('PS256', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'noalg-rsa/PS384',
    description: 'PS384 by the same key',
    profile: 'hostile',
    token: (f) => byKey('PS384', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'noalg-rsa/PS512',
    description: 'PS512 by the same key',
    profile: 'hostile',
    token: (f) => byKey('PS512', hostileKey(f, 'rsa-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'es256-at-p384',
    description: 'ES256 header, kid of a P-384 key',
    profile: 'hostile',
    token: (f) => byKey('ES256', hostileKey(f, 'es384'), {}, signer('ES256', hostileKey(f, 'es384').privateKey))(f),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'crv must match the alg.',
  },
  {
    id: 'es512-at-p256',
    description: 'ES512 header, kid of a P-256 key',
    profile: 'hostile',
    token: (f) => byKey('ES512', hostileKey(f, 'es256'), {}, signer('ES512', hostileKey(f, 'es256').privateKey))(f),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'Same.',
  },
  {
    id: 'es384-valid',
    description: 'ES384 by the P-384 key',
    profile: 'hostile',
    token: (f) => byKey('ES384', hostileKey(f, 'es384'))(f),
    expected: ACCEPT,
    reason: 'Matching curve.',
  },
  {
    id: 'es512-valid',
    description: 'ES512 by the P-521 key (132-byte r||s)',
    profile: 'hostile',
    token: (f) => byKey('ES512', hostileKey(f, 'es512'))(f),
    expected: ACCEPT,
    reason: 'Matching curve; P-521 r||s is 2 x 66 bytes.',
  },
  {
    id: 'rs256-at-okp',
    description: 'RS256 header, kid of an Ed25519 key',
    profile: 'hostile',
    token: (f) =>
      byKey('RS256', hostileKey(f, 'ed-noalg'), {}, signer('RS256', hostileKey(f, 'rsa-noalg').privateKey))(f),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'kty OKP cannot do RSA.',
  },
  {
    id: 'ed25519-noalg',
    description: 'alg "Ed25519" by an Ed25519 JWK without alg',
    profile: 'hostile',
    token: (f) => byKey('Ed25519', hostileKey(f, 'ed-noalg'))(f),
    expected: ACCEPT,
    reason: 'RFC 9864 fully-specified name for the same signature.',
  },
  {
    id: 'eddsa-noalg',
    description: 'alg "EdDSA" by the same key',
    profile: 'hostile',
    token: (f) => byKey('EdDSA', hostileKey(f, 'ed-noalg'))(f),
    expected: ACCEPT,
    reason: 'Same key, polymorphic name.',
  },
  {
    id: 'duplicate-kid/RS256',
    description: 'kid "dup" names an RSA and an EC key; RS256 token by the RSA one',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'dup-rsa'))(f),
    expected: ACCEPT,
    reason: 'The alg picks the fitting key among same-kid entries.',
  },
  {
    id: 'duplicate-kid/ES256',
    description: 'the same kid, ES256 token by the EC one',
    profile: 'hostile',
    token: (f) => byKey('ES256', hostileKey(f, 'dup-ec'))(f),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'duplicate-kid/EdDSA',
    description: 'the same kid, EdDSA token',
    profile: 'hostile',
    token: (f) => byKey('EdDSA', hostileKey(f, 'dup-ec'), {}, signer('EdDSA', hostileKey(f, 'ed-noalg').privateKey))(f),
    expected: code('ERR_ALG_KEY_MISMATCH'),
    reason: 'Neither key under that kid can do EdDSA.',
  },
  {
    id: 'duplicate-kid/cross',
    description: 'the same kid, RS256 token signed by the EC key',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'dup-rsa'), {}, signer('ES256', hostileKey(f, 'dup-ec').privateKey))(f),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Only the RSA entry is tried for RS256, and it does not match.',
  },
]);

// --- JWKS entry hygiene ------------------------------------------------------------------------------
add('jwks-entry', 'RFC 7517 4.2-4.4; RFC 7518 3.3; RFC 8725 3.2, 3.4; BRIEF key rules', [
  {
    id: 'use-enc',
    description: 'key published with use "enc"',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'enc'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Encryption keys never verify signatures.',
  },
  {
    id: 'key-ops-encrypt',
    description: 'key_ops ["encrypt","wrapKey"], no use',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'ops-encrypt'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'key_ops without "verify".',
  },
  {
    id: 'key-ops-sign',
    description: 'key_ops ["sign"] only',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'ops-sign'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'A verifier needs "verify".',
  },
  {
    id: 'key-ops-verify',
    description: 'key_ops ["verify"], no use',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'ops-verify'))(f),
    expected: ACCEPT,
    reason: 'Allowed operation.',
  },
  {
    id: 'rsa-1024',
    description: 'RSA-1024 key',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-1024'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'RFC 7518 3.3: keys of 2048 bits or larger MUST be used.',
  },
  {
    id: 'rsa-2047',
    description: 'RSA-2047 key (one bit short)',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-2047'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Boundary of the same rule.',
  },
  {
    id: 'rsa-exponent-1',
    description: 'RSA-2048 key with public exponent e = 1; token "signed" without any private key',
    profile: 'hostile',
    token: (f) => {
      // With e = 1, s^e mod n = s: the EMSA-PKCS1-v1_5 encoding of the digest is itself a valid signature.
      const header = b64u(head('RS256', hostileKey(f, 'rsa-e1')));
      const input = `${header}.${b64u(f.claims())}`;
      const digestInfo = Buffer.concat([
        Buffer.from('3031300d060960864801650304020105000420', 'hex'),
        createHash('sha256').update(input).digest(),
      ]);
      const encoded = Buffer.concat([
        Buffer.from([0, 1]),
        Buffer.alloc(256 - 3 - digestInfo.length, 0xff),
        Buffer.from([0]),
        digestInfo,
      ]);
      return `${input}.${b64u(encoded)}`;
    },
    expected: code('ERR_KEY_NOT_FOUND'),
    reason:
      'With e = 1 anyone can produce signatures; such a key must never be used (RFC 8017 3.1: 3 <= e <= n - 1; FIPS 186-5: odd, 2^16 < e < 2^256).',
  },
  ...Object.keys(ED25519_SMALL_ORDER).map((kid): Row => ({
    id: kid.replace('ed-small-order', 'ed25519-small-order'),
    description: `Ed25519 key of small order (${kid}); signature R = B, S = 1 ground to verify, no private key`,
    profile: 'hostile',
    token: (f) => forgeForSmallOrderKey(f, kid as HostileKid),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason:
      'A small-order Ed25519 public key lets anyone sign (RFC 8032 5.1.7 does not exclude it; libsodium and others refuse such keys); it must never be used.',
  })),
  {
    id: 'private-members',
    description: 'EC key published with its private "d"',
    profile: 'hostile',
    token: (f) => byKey('ES256', hostileKey(f, 'ec-private'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'A published private key is compromised; never used.',
  },
  {
    id: 'alg-hs256-on-rsa',
    description: 'RSA key whose JWK says alg HS256',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-alg-hs256'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'The JWK alg does not fit its kty: the entry is dropped.',
  },
  {
    id: 'alg-none-on-rsa',
    description: 'RSA key whose JWK says alg none',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-alg-none'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Same.',
  },
  {
    id: 'ec-point-off-curve',
    description: 'EC key whose point is not on P-256',
    profile: 'hostile',
    token: (f) => byKey('ES256', hostileKey(f, 'ec-offcurve'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Invalid public keys are never imported.',
  },
  {
    id: 'ec-crv-mismatch',
    description: 'JWK says crv P-384 but carries P-256 coordinates',
    profile: 'hostile',
    token: (f) =>
      byKey('ES384', hostileKey(f, 'ec-crv-mismatch'), {}, signer('ES384', hostileKey(f, 'es384').privateKey))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Same.',
  },
  {
    id: 'ed448',
    description: 'OKP key on Ed448',
    profile: 'hostile',
    token: (f) => byKey('EdDSA', hostileKey(f, 'ed448'))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Unsupported curve: the entry is dropped, not guessed at.',
  },
  {
    id: 'secp256k1',
    description: 'ES256 token naming a secp256k1 key',
    profile: 'hostile',
    token: (f) =>
      byKey('ES256', hostileKey(f, 'secp256k1'), {}, signer('ES256', hostileKey(f, 'secp256k1').privateKey))(f),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Unsupported curve.',
  },
  {
    id: 'no-kid-ambiguous',
    description: 'RS256 token without kid; several RSA keys fit',
    profile: 'hostile',
    token: (f) => byKey('RS256', hostileKey(f, 'rsa-noalg'), { kid: undefined })(f),
    expected: code('ERR_KEY_AMBIGUOUS'),
    reason: 'No guessing among keys: the issuer must set kid.',
  },
]);

// --- Embedded keys and key URLs ----------------------------------------------------------------------
{
  const attackerRs = (f: Fixture) => signer('RS256', f.attacker.rs.privateKey);
  const canaryJwks = (f: Fixture) => `${f.canary.url}/jwks.json`;
  const x5c = (f: Fixture) => [f.attacker.certificate.toString('base64')];
  const x5t = (f: Fixture, hash: 'sha1' | 'sha256') =>
    createHash(hash).update(f.attacker.certificate).digest('base64url');
  add('embedded-key', 'RFC 8725 2.9, 3.10; RFC 7515 4.1.2-4.1.8; CVE-2018-0114 (embedded jwk)', [
    {
      id: 'jwk/no-kid',
      description: 'attacker signs and embeds his public key as "jwk"',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', jwk: f.attacker.rs.jwk }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Keys come only from the configured JWKS; the single RSA key there does not match.',
    },
    {
      id: 'jwk/attacker-kid',
      description: '"jwk" plus the attacker key\'s own kid',
      profile: 'issuer',
      token: (f) =>
        compact({ alg: 'RS256', kid: f.attacker.rs.kid, jwk: f.attacker.rs.jwk }, f.claims(), attackerRs(f)),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'The kid is looked up in the JWKS only.',
    },
    {
      id: 'jwk/jwks-kid',
      description: '"jwk" plus the JWKS kid',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', kid: f.issuer.rs.kid, jwk: f.attacker.rs.jwk }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'The published key decides.',
    },
    {
      id: 'jwk/ec',
      description: 'attacker P-256 key embedded as "jwk", ES256',
      profile: 'issuer',
      token: (f) =>
        compact({ alg: 'ES256', jwk: f.attacker.es.jwk }, f.claims(), signer('ES256', f.attacker.es.privateKey)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Same for EC.',
    },
    {
      id: 'jku/attacker-kid',
      description: '"jku" to the attacker\'s host, attacker kid',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', kid: f.attacker.rs.kid, jku: canaryJwks(f) }, f.claims(), attackerRs(f)),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'jku is never fetched (the canary must see no request).',
    },
    {
      id: 'jku/jwks-kid',
      description: '"jku" to the attacker\'s host, JWKS kid',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', kid: f.issuer.rs.kid, jku: canaryJwks(f) }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Same.',
    },
    {
      id: 'jku/hostile-profile',
      description: '"jku" against the partner-style (jwksUri) verifier',
      profile: 'hostile',
      token: (f) => compact({ alg: 'RS256', kid: f.attacker.rs.kid, jku: canaryJwks(f) }, f.claims(), attackerRs(f)),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'Same without discovery.',
    },
    {
      id: 'x5u',
      description: '"x5u" to the attacker\'s host',
      profile: 'issuer',
      token: (f) =>
        compact(
          { alg: 'RS256', kid: f.attacker.rs.kid, x5u: `${f.canary.url}/attacker.pem` },
          f.claims(),
          attackerRs(f),
        ),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'x5u is never fetched.',
    },
    {
      id: 'x5c/no-kid',
      description: '"x5c" with a real self-signed certificate for the attacker key',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', x5c: x5c(f) }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Certificates in the header are not trust anchors; tollgate does not read them.',
    },
    {
      id: 'x5c/jwks-kid',
      description: '"x5c" plus the JWKS kid',
      profile: 'issuer',
      token: (f) => compact({ alg: 'RS256', kid: f.issuer.rs.kid, x5c: x5c(f) }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Same.',
    },
    {
      id: 'x5t',
      description: '"x5t" and "x5t#S256" thumbprints of the attacker certificate',
      profile: 'issuer',
      token: (f) =>
        compact({ alg: 'RS256', x5t: x5t(f, 'sha1'), 'x5t#S256': x5t(f, 'sha256') }, f.claims(), attackerRs(f)),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Thumbprints select nothing.',
    },
    {
      id: 'all-at-once',
      description: 'jwk + jku + x5u + x5c together, attacker signature',
      profile: 'issuer',
      token: (f) =>
        compact(
          { alg: 'RS256', jwk: f.attacker.rs.jwk, jku: canaryJwks(f), x5u: `${f.canary.url}/x.pem`, x5c: x5c(f) },
          f.claims(),
          attackerRs(f),
        ),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'None of them is consulted.',
    },
    {
      id: 'legit-with-jku',
      description: 'real token whose header also carries jku/x5u/jwk/x5c',
      profile: 'issuer',
      token: (f) => rs256(f, { jku: canaryJwks(f), x5u: `${f.canary.url}/x.pem`, jwk: f.attacker.rs.jwk, x5c: x5c(f) }),
      expected: ACCEPT,
      reason: 'Unused header parameters are ignored (RFC 7515 4), not fetched: the real key verifies it.',
    },
    {
      id: 'legit-unknown-kid-with-jku',
      description: 'real signature, unknown kid, jku to the attacker host',
      profile: 'issuer',
      token: (f) => rs256(f, { kid: 'rotated-away', jku: canaryJwks(f) }),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'The unknown kid refetches the configured JWKS, never the jku.',
    },
  ]);
}

// --- kid values -------------------------------------------------------------------------------------
add('kid', 'RFC 7515 4.1.4; RFC 8725 3.10 (kid injection)', [
  {
    id: 'path-traversal',
    description: 'kid "../../../../../../etc/passwd"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: '../../../../../../etc/passwd' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'kid is only a map key; never a path.',
  },
  {
    id: 'dev-null',
    description: 'kid "/dev/null" with an HMAC over the empty key',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS256', kid: '/dev/null' }, f.claims(), signer('HS256', Buffer.alloc(0))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'HS256 ignores kid; only configured secrets verify.',
  },
  {
    id: 'sql-injection',
    description: "kid \"' OR '1'='1\"",
    profile: 'issuer',
    token: (f) => rs256(f, { kid: "' OR '1'='1" }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Not interpreted.',
  },
  {
    id: 'very-long',
    description: 'kid of 4000 characters (token within the size cap)',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: 'k'.repeat(4000) }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Unknown; bounded by the token size cap.',
  },
  {
    id: 'nul-suffix',
    description: 'real kid + "\\u0000"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: `${f.issuer.rs.kid}\u0000` }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'No C-string truncation.',
  },
  {
    id: 'nul-only',
    description: 'kid "\\u0000"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: '\u0000' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Unknown kid.',
  },
  {
    id: 'empty',
    description: 'kid ""',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: '' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'An empty kid is a kid, and unknown; it does not mean "no kid".',
  },
  {
    id: 'proto',
    description: 'kid "__proto__"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: '__proto__' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'No prototype lookups.',
  },
  {
    id: 'constructor',
    description: 'kid "constructor"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: 'constructor' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Same.',
  },
  {
    id: 'trailing-space',
    description: 'real kid + " "',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: `${f.issuer.rs.kid} ` }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Exact match.',
  },
  {
    id: 'case',
    description: 'real kid upper-cased',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: `${f.issuer.rs.kid}X`.toUpperCase() }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'kid is case-sensitive.',
  },
  {
    id: 'homoglyph',
    description: 'real kid with a Cyrillic "а"',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: `\u0430${f.issuer.rs.kid}` }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Exact code-point match.',
  },
  {
    id: 'number',
    description: 'kid 1 (number)',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: 1 }),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'RFC 7515 4.1.4: kid is a string.',
  },
  {
    id: 'object',
    description: 'kid {"$ne":null}',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: { $ne: null } }),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Not a string (NoSQL-injection shape).',
  },
  {
    id: 'array',
    description: 'kid [real kid]',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: [f.issuer.rs.kid] }),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Not a string.',
  },
  {
    id: 'null',
    description: 'kid null',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: null }),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Not a string, and not absent either.',
  },
  {
    id: 'boolean',
    description: 'kid true',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: true }),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Not a string.',
  },
  {
    id: 'unknown/legit-signature',
    description: 'unknown kid, real signature',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: 'not-in-jwks' }),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'After one refetch the kid is still unknown.',
  },
  {
    id: 'unknown/attacker',
    description: 'unknown kid, attacker signature',
    profile: 'issuer',
    token: (f) => compact({ alg: 'RS256', kid: 'attacker-kid' }, f.claims(), signer('RS256', f.attacker.rs.privateKey)),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason: 'Same.',
  },
  {
    id: 'missing/RS256',
    description: 'no kid; one RS256 key in the JWKS',
    profile: 'issuer',
    token: (f) => rs256(f, { kid: undefined }),
    expected: ACCEPT,
    reason: 'kid is optional; exactly one key fits.',
  },
  {
    id: 'missing/ES256',
    description: 'no kid; one ES256 key',
    profile: 'issuer',
    token: (f) => es256(f, { kid: undefined }),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'missing/attacker',
    description: 'no kid, attacker signature',
    profile: 'issuer',
    token: (f) => compact({ alg: 'RS256' }, f.claims(), signer('RS256', f.attacker.rs.privateKey)),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'The single fitting key does not match.',
  },
]);

// --- crit and b64 -------------------------------------------------------------------------------------
add('crit', 'RFC 7515 4.1.11; RFC 7797 3, 6', [
  {
    id: 'crit-exp',
    description: 'crit ["exp"] with an "exp" header member',
    profile: 'issuer',
    token: (f) => rs256(f, { crit: ['exp'], exp: f.now + 60 }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Recipients must refuse extensions they do not understand; tollgate understands none.',
  },
  {
    id: 'crit-unknown',
    description: 'crit ["urn:example:policy"]',
    profile: 'issuer',
    token: (f) => rs256(f, { crit: ['urn:example:policy'], 'urn:example:policy': 'x' }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Same.',
  },
  {
    id: 'crit-empty',
    description: 'crit []',
    profile: 'issuer',
    token: (f) => rs256(f, { crit: [] }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'RFC 7515: producers MUST NOT send an empty list.',
  },
  {
    id: 'crit-string',
    description: 'crit "b64" (not a list)',
    profile: 'issuer',
    token: (f) => rs256(f, { crit: 'b64' }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Malformed crit.',
  },
  {
    id: 'crit-null',
    description: 'crit null',
    profile: 'issuer',
    token: (f) => rs256(f, { crit: null }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Present but not a list.',
  },
  {
    id: 'b64-false/payload-with-dots',
    description: 'b64 false with crit ["b64"], unencoded payload containing "."',
    profile: 'issuer',
    token: (f) => {
      const h = b64u(head('RS256', f.issuer.rs, { b64: false, crit: ['b64'] }));
      const input = `${h}.${JSON.stringify(f.claims())}`;
      return `${input}.${rsSign(f)(Buffer.from(input)).toString('base64url')}`;
    },
    expected: code('ERR_TOKEN_MALFORMED'),
    reason:
      'The URL in iss puts dots in the payload, so the compact form has more than three parts (RFC 7797 5.2 forbids that); refused before the header is read.',
  },
  {
    id: 'b64-false/payload-without-dots',
    description: 'b64 false with crit ["b64"], unencoded JSON payload without "."',
    profile: 'hostile',
    token: (f) => {
      const key = hostileKey(f, 'rsa-noalg');
      const h = b64u(head('RS256', key, { b64: false, crit: ['b64'] }));
      const input = `${h}.${JSON.stringify(f.claims({ iss: undefined, jti: undefined }))}`;
      return `${input}.${signer('RS256', key.privateKey)(Buffer.from(input)).toString('base64url')}`;
    },
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason:
      'Unencoded payloads change what the signature covers; refused on the header, before the payload is looked at.',
  },
  {
    id: 'b64-false-encoded-payload',
    description: 'b64 false with crit, payload base64url anyway',
    profile: 'issuer',
    token: (f) => rs256(f, { b64: false, crit: ['b64'] }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Same.',
  },
  {
    id: 'b64-false-without-crit',
    description: 'b64 false without crit',
    profile: 'issuer',
    token: (f) => rs256(f, { b64: false }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'RFC 7797 6 requires crit; either way it is refused.',
  },
  {
    id: 'b64-true',
    description: 'b64 true with crit ["b64"]',
    profile: 'issuer',
    token: (f) => rs256(f, { b64: true, crit: ['b64'] }),
    expected: code('ERR_TOKEN_CRIT_UNSUPPORTED'),
    reason: 'Strict by choice: no access-token issuer sends b64, so its presence is suspicious.',
  },
]);

// --- Compact serialization -------------------------------------------------------------------------------
{
  const legit = (f: Fixture) => rs256(f, {}, { jti: 'serialization' });
  const mangle = (fn: (token: string) => string) => (f: Fixture) => fn(legit(f));
  const malformed = (id: string, description: string, fn: (token: string) => string, reason: string): Row => ({
    id,
    description,
    profile: 'issuer',
    token: mangle(fn),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason,
  });
  const jwe = [{ alg: 'RSA-OAEP-256', enc: 'A256GCM' }, 'wrappedkey', 'iv', 'ciphertext', 'tag'];
  add('serialization', 'RFC 7515 3.1, 7.1; RFC 7516 7.1; RFC 7519 7.2', [
    malformed('one-part', 'header only', (t) => parts(t)[0], 'A JWS has exactly three parts.'),
    malformed('two-parts', 'header.payload', (t) => parts(t).slice(0, 2).join('.'), 'Same.'),
    malformed(
      'two-parts-trailing-dot',
      'header.payload. (empty signature)',
      (t) => `${parts(t).slice(0, 2).join('.')}.`,
      'Unsigned.',
    ),
    malformed('four-parts', 'header.payload.signature.signature', (t) => `${t}.${parts(t)[2]}`, 'Not a JWS.'),
    {
      id: 'jwe-five-parts',
      description: 'a JWE (five parts, RSA-OAEP-256 / A256GCM header)',
      profile: 'issuer',
      token: () => jwe.map((p) => b64u(p)).join('.'),
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Encrypted tokens are not accepted (and never decrypted).',
    },
    malformed(
      'jwe-shaped-legit',
      'a valid token with two more parts appended',
      (t) => `${t}.${b64u('iv')}.${b64u('tag')}`,
      'Part count decides before anything else.',
    ),
    malformed('six-parts', 'six parts', (t) => `${t}.${t}`, 'Not a JWS.'),
    {
      id: 'empty-string',
      description: 'empty string',
      profile: 'issuer',
      token: () => '',
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Nothing to verify.',
    },
    {
      id: 'only-dots',
      description: '".."',
      profile: 'issuer',
      token: () => '..',
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Empty parts.',
    },
    malformed('empty-header', '.payload.signature', (t) => `.${parts(t)[1]}.${parts(t)[2]}`, 'Empty header.'),
    malformed(
      'empty-payload',
      'header..signature (detached payload)',
      (t) => `${parts(t)[0]}..${parts(t)[2]}`,
      'Detached payloads are not supported (RFC 7515 F).',
    ),
    malformed('trailing-dot', 'token + "."', (t) => `${t}.`, 'Four parts.'),
    {
      id: 'json-serialization',
      description: 'flattened JWS JSON serialization',
      profile: 'issuer',
      token: (f) => {
        const [h, p, s] = parts(legit(f));
        return JSON.stringify({ protected: h, payload: p, signature: s });
      },
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Only the compact serialization is a JWT (RFC 7519 1).',
    },
    malformed(
      'leading-space',
      '" " + token',
      (t) => ` ${t}`,
      'Whitespace is not base64url; tokens are compared as issued.',
    ),
    malformed('trailing-space', 'token + " "', (t) => `${t} `, 'Same.'),
    malformed('trailing-newline', 'token + "\\n"', (t) => `${t}\n`, 'Same.'),
    malformed('trailing-crlf', 'token + "\\r\\n"', (t) => `${t}\r\n`, 'Same.'),
    malformed(
      'inner-space',
      'a space inside the payload',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`;
      },
      'Same.',
    ),
    malformed(
      'inner-tab',
      'a tab inside the signature',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p}.${s.slice(0, 10)}\t${s.slice(10)}`;
      },
      'Same.',
    ),
    malformed(
      'bearer-prefix',
      '"Bearer " + token passed to verify()',
      (t) => `Bearer ${t}`,
      'The adapter strips the scheme; the verifier does not guess.',
    ),
    malformed(
      'padding/header',
      'header with "=" padding',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}=.${p}.${s}`;
      },
      'RFC 7515 2: base64url without padding.',
    ),
    malformed(
      'padding/signature',
      'signature in standard base64 with "=="',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p}.${toStandardBase64(s)}`;
      },
      'RFC 7515 2: base64url, no padding, no "+" or "/".',
    ),
    malformed(
      'std-alphabet/payload',
      'payload in the standard base64 alphabet ("+", "/")',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(p) ? '' : '+'}.${s}`;
      },
      'Same.',
    ),
    malformed(
      'non-alphabet',
      '"*" inside the header',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h.slice(0, 5)}*${h.slice(6)}.${p}.${s}`;
      },
      'Not base64url.',
    ),
    malformed(
      'non-ascii',
      '"é" inside the payload',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p.slice(0, 5)}é${p.slice(6)}.${s}`;
      },
      'Not base64url.',
    ),
    malformed(
      'zero-width-space',
      'U+200B inside the signature',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p}.${s.slice(0, 5)}\u200b${s.slice(5)}`;
      },
      'Not base64url.',
    ),
    malformed(
      'fullwidth-dot',
      'parts joined by U+FF0E "．"',
      (t) => parts(t).join('\uff0e'),
      'Only "." separates parts.',
    ),
    malformed('percent-encoded-dot', 'parts joined by "%2E"', (t) => parts(t).join('%2E'), 'No URL decoding.'),
    malformed(
      'impossible-length',
      'signature padded to a length of 1 mod 4',
      (t) => {
        let out = t;
        while (parts(out)[2].length % 4 !== 1) out += 'A';
        return out;
      },
      'No byte string encodes to that length.',
    ),
    malformed(
      'non-canonical/signature',
      'signature with non-zero unused trailing bits',
      (t) => {
        const [h, p, s] = parts(t);
        return `${h}.${p}.${nonCanonical(s)}`;
      },
      'Same bytes, second spelling: refused so every token has one encoding.',
    ),
    {
      id: 'non-canonical/header',
      description: 'header with non-zero unused bits, correctly signed over that spelling',
      profile: 'issuer',
      token: (f) => {
        // Pad the header until its encoding has unused bits, then set them and sign the result.
        let h = '';
        for (let pad = ''; h === '' || h.length % 4 === 0; pad += 'x') h = b64u(head('RS256', f.issuer.rs, { pad }));
        const input = `${nonCanonical(h)}.${b64u(f.claims())}`;
        return `${input}.${rsSign(f)(Buffer.from(input)).toString('base64url')}`;
      },
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Even when signed, a non-canonical part is refused: one token, one spelling (RFC 8725 2.6).',
    },
  ]);
}

// --- JSON of header and payload ---------------------------------------------------------------------------
{
  const badHeader = (id: string, description: string, header: Part | ((f: Fixture) => Part), reason: string): Row => ({
    id: `header/${id}`,
    description: `header ${description}`,
    profile: 'issuer',
    token: (f) => rs256Raw(f, typeof header === 'function' ? header(f) : header, f.claims()),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason,
  });
  const badPayload = (
    id: string,
    description: string,
    payload: Part | ((f: Fixture) => Part),
    reason: string,
  ): Row => ({
    id: `payload/${id}`,
    description: `payload ${description}`,
    profile: 'issuer',
    token: (f) => rs256Raw(f, head('RS256', f.issuer.rs), typeof payload === 'function' ? payload(f) : payload),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason,
  });
  const utf16 = (text: string) => Buffer.from(text, 'utf16le');
  add('json', 'RFC 7515 5.2; RFC 7519 7.2; RFC 8259; RFC 8725 2.6, 3.7', [
    badHeader('not-json', 'that is not JSON', 'RS256', 'Must be a JSON object.'),
    badHeader('array', 'that is an array', (f) => [rsHeaderJson(f)], 'Must be an object.'),
    badHeader('string', 'that is a JSON string', '"RS256"', 'Must be an object.'),
    badHeader('number', 'that is a number', '42', 'Must be an object.'),
    badHeader('null', 'that is null', 'null', 'Must be an object.'),
    badHeader('true', 'that is true', 'true', 'Must be an object.'),
    {
      id: 'header/bom',
      description: 'header with a leading UTF-8 byte order mark, signed as such',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `\ufeff${rsHeaderJson(f)}`, f.claims()),
      expected: ACCEPT,
      reason:
        'RFC 8259 8.1: producers must not add a BOM, but parsers MAY ignore one (TextDecoder does); the real key signed exactly these bytes, so accepting forges nothing.',
    },
    badHeader(
      'invalid-utf8',
      'with invalid UTF-8 inside a string',
      (f) =>
        Buffer.concat([
          Buffer.from(rsHeaderJson(f).slice(0, -1)),
          Buffer.from(',"x":"'),
          Buffer.from([0xc3, 0x28]),
          Buffer.from('"}'),
        ]),
      'Not valid UTF-8; never repaired.',
    ),
    badHeader(
      'overlong-utf8',
      'with an overlong UTF-8 encoding of "/"',
      (f) =>
        Buffer.concat([
          Buffer.from(rsHeaderJson(f).slice(0, -1)),
          Buffer.from(',"x":"'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from('"}'),
        ]),
      'Overlong encodings are invalid UTF-8.',
    ),
    badHeader('utf16', 'encoded as UTF-16LE', (f) => utf16(rsHeaderJson(f)), 'JWS headers are UTF-8.'),
    badHeader('trailing-garbage', 'with bytes after the object', (f) => `${rsHeaderJson(f)}x`, 'Not JSON.'),
    badHeader('trailing-comma', 'with a trailing comma', (f) => `${rsHeaderJson(f).slice(0, -1)},}`, 'Not JSON.'),
    badHeader('single-quotes', 'with single-quoted strings', "{'alg':'RS256'}", 'Not JSON.'),
    badHeader('comment', 'with a comment', (f) => `${rsHeaderJson(f).slice(0, -1)}/* x */}`, 'Not JSON.'),
    badHeader('two-objects', 'with two concatenated objects', (f) => `${rsHeaderJson(f)}{"alg":"none"}`, 'Not JSON.'),
    badHeader('no-alg', '{} (no alg)', '{}', 'alg is required (RFC 7515 4.1.1).'),
    badHeader(
      'alg-uppercase-name',
      'with "ALG" instead of "alg"',
      '{"ALG":"RS256"}',
      'Member names are case-sensitive.',
    ),
    badHeader('alg-empty', 'with alg ""', '{"alg":""}', 'Empty alg.'),
    badHeader('alg-number', 'with alg 256', '{"alg":256}', 'alg is a string.'),
    badHeader('alg-array', 'with alg ["RS256"]', '{"alg":["RS256"]}', 'alg is a string.'),
    badHeader('alg-null', 'with alg null', '{"alg":null}', 'alg is a string.'),
    badHeader('alg-object', 'with alg {"name":"RS256"}', '{"alg":{"name":"RS256"}}', 'alg is a string.'),
    badPayload('not-json', 'that is not JSON', 'hello', 'JWT claims are a JSON object (RFC 7519 7.2 step 10).'),
    badPayload('array', 'that is an array', '[{"sub":"a"}]', 'Must be an object.'),
    badPayload('string', 'that is a JSON string', '"claims"', 'Must be an object.'),
    badPayload('number', 'that is a number', '1', 'Must be an object.'),
    badPayload('null', 'that is null', 'null', 'Must be an object.'),
    badPayload('empty', 'of zero bytes', Buffer.alloc(0), 'Empty payload.'),
    {
      id: 'payload/bom',
      description: 'payload with a leading byte order mark, signed as such',
      profile: 'issuer',
      token: (f) => rs256Raw(f, head('RS256', f.issuer.rs), `\ufeff${JSON.stringify(f.claims())}`),
      expected: ACCEPT,
      reason: 'Same as the header row: an ignorable BOM on signed bytes.',
    },
    badPayload(
      'inner-bom',
      'with a byte order mark before a member',
      (f) => `{\ufeff${JSON.stringify(f.claims()).slice(1)}`,
      'Only a leading BOM is ignorable; inside the text U+FEFF is not JSON whitespace.',
    ),
    badPayload(
      'invalid-utf8',
      'with invalid UTF-8',
      (f) =>
        Buffer.concat([
          Buffer.from(JSON.stringify(f.claims()).slice(0, -1)),
          Buffer.from(',"x":"'),
          Buffer.from([0xff]),
          Buffer.from('"}'),
        ]),
      'Never repaired with U+FFFD.',
    ),
    badPayload(
      'lone-surrogate-utf8',
      'with a UTF-8-encoded lone surrogate (CESU)',
      (f) =>
        Buffer.concat([
          Buffer.from(JSON.stringify(f.claims()).slice(0, -1)),
          Buffer.from(',"x":"'),
          Buffer.from([0xed, 0xa0, 0x80]),
          Buffer.from('"}'),
        ]),
      'Surrogates are not valid UTF-8.',
    ),
    badPayload('utf16', 'encoded as UTF-16LE', (f) => utf16(JSON.stringify(f.claims())), 'Must be UTF-8.'),
    badPayload('trailing-garbage', 'with bytes after the object', (f) => `${JSON.stringify(f.claims())};`, 'Not JSON.'),
    badPayload('nested-jwt', 'that is a nested JWT (cty "JWT")', (f) => rs256(f), 'Nested JWTs are not unwrapped.'),
    {
      id: 'payload/zip-deflate',
      description: 'zip "DEF" header with a DEFLATE-compressed payload',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(
          f,
          head('RS256', f.issuer.rs, { zip: 'DEF' }),
          deflateRawSync(Buffer.from(JSON.stringify(f.claims()))),
        ),
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: '"zip" is JWE-only (RFC 7516 4.1.3); a JWS payload is never inflated, so no decompression bomb.',
    },
    {
      id: 'payload/zip-plain',
      description: 'zip "DEF" header with a plain JSON payload',
      profile: 'issuer',
      token: (f) => rs256(f, { zip: 'DEF' }),
      expected: ACCEPT,
      reason: 'An unknown-to-JWS header member is ignored (RFC 7515 4); the payload is read as is.',
    },
    {
      id: 'header/whitespace-json',
      description: 'header JSON with insignificant whitespace, signed as such',
      profile: 'issuer',
      token: (f) => rs256Raw(f, JSON.stringify(head('RS256', f.issuer.rs), null, 2), f.claims()),
      expected: ACCEPT,
      reason: 'Any valid JSON text is fine when it is what was signed.',
    },
    {
      id: 'header/unicode-escapes',
      description: 'alg written "\\u0052S256", signed as such',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `{"alg":"\\u0052S256","kid":${JSON.stringify(f.issuer.rs.kid)}}`, f.claims()),
      expected: ACCEPT,
      reason: 'JSON escapes decode to "RS256".',
    },
    {
      id: 'payload/proto-pollution',
      description: 'payload {"__proto__":{"admin":true}} and "constructor" members',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(
          f,
          head('RS256', f.issuer.rs),
          `${JSON.stringify(f.claims()).slice(0, -1)},"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}`,
        ),
      expected: ACCEPT,
      reason: 'A validly signed token may carry odd claims; they must stay plain data and pollute nothing.',
      check: (result) => {
        const probe: Record<string, unknown> = {};
        if (
          probe.admin !== undefined ||
          Object.getPrototypeOf(result.claims) !== Object.prototype ||
          (result.claims as { admin?: unknown }).admin !== undefined
        ) {
          throw new Error('__proto__ claim polluted a prototype');
        }
      },
    },
    {
      id: 'header/proto',
      description: 'header {"alg":"RS256",…,"__proto__":{"alg":"none"}}',
      profile: 'issuer',
      token: (f) => rs256Raw(f, rsHeaderJson(f, ',"__proto__":{"alg":"none","kid":"x"}'), f.claims()),
      expected: ACCEPT,
      reason: 'Own members decide; the __proto__ member is inert.',
      check: (r, f) => expectKid(r, f.issuer.rs.kid),
    },
  ]);
}

// --- Duplicate members ---------------------------------------------------------------------------------------
{
  const kid = (f: Fixture) => JSON.stringify(f.issuer.rs.kid);
  const claimsJson = (f: Fixture, extra: string) =>
    `${JSON.stringify(f.claims({ exp: undefined }))}`.slice(0, -1) + extra + '}';
  add('duplicate-members', 'RFC 7515 4 and RFC 7519 4 (reject, or use the lexically last member); RFC 8725 2.6', [
    {
      id: 'alg/none-then-rs256',
      description: '{"alg":"none","alg":"RS256"}, signed by the real key',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `{"alg":"none","alg":"RS256","kid":${kid(f)}}`, f.claims()),
      expected: ACCEPT,
      reason:
        'Lexically last wins (JSON.parse), as RFC 7515 4 permits; only the key holder could sign these bytes, so nothing is forged.',
    },
    {
      id: 'alg/rs256-then-none',
      description: '{"alg":"RS256","alg":"none"}, empty signature',
      profile: 'issuer',
      token: (f) => compact(`{"alg":"RS256","alg":"none","kid":${kid(f)}}`, f.claims(), EMPTY),
      expected: code('ERR_TOKEN_MALFORMED'),
      reason: 'Unsigned whatever the alg says.',
    },
    {
      id: 'alg/rs256-then-none-signed',
      description: '{"alg":"RS256","alg":"none"}, real RS256 signature',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `{"alg":"RS256","alg":"none","kid":${kid(f)}}`, f.claims()),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'The effective alg is the last one: none.',
    },
    {
      id: 'alg/hs256-then-rs256-confusion',
      description: '{"alg":"HS256","alg":"RS256"}, HMAC with the RSA public key',
      profile: 'issuer-migration',
      token: (f) =>
        compact(
          `{"alg":"HS256","alg":"RS256","kid":${kid(f)}}`,
          f.claims(),
          signer('HS256', f.issuer.rs.publicKey.export({ format: 'pem', type: 'spki' })),
        ),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'One parser, one reading: RS256, checked as RSA; a parser differential cannot reach the secret path.',
    },
    {
      id: 'alg/rs256-then-hs256-confusion',
      description: '{"alg":"RS256","alg":"HS256"}, HMAC with the RSA public key',
      profile: 'issuer-migration',
      token: (f) =>
        compact(
          `{"alg":"RS256","alg":"HS256","kid":${kid(f)}}`,
          f.claims(),
          signer('HS256', f.issuer.rs.publicKey.export({ format: 'pem', type: 'spki' })),
        ),
      expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
      reason: 'Read as HS256, checked against the configured secrets only.',
    },
    {
      id: 'kid/attacker-then-real',
      description: '{"kid":"attacker","kid":<real>}, real signature',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `{"alg":"RS256","kid":"attacker","kid":${kid(f)}}`, f.claims()),
      expected: ACCEPT,
      reason: 'Last kid is the real one and the real key signed.',
    },
    {
      id: 'kid/real-then-unknown',
      description: '{"kid":<real>,"kid":"unknown"}, real signature',
      profile: 'issuer',
      token: (f) => rs256Raw(f, `{"alg":"RS256","kid":${kid(f)},"kid":"unknown"}`, f.claims()),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'Last kid is unknown.',
    },
    {
      id: 'kid/real-then-unknown-attacker',
      description: 'the same, attacker signature',
      profile: 'issuer',
      token: (f) =>
        compact(
          `{"alg":"RS256","kid":${kid(f)},"kid":"unknown"}`,
          f.claims(),
          signer('RS256', f.attacker.rs.privateKey),
        ),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'No reading makes it verify.',
    },
    {
      id: 'exp/past-then-future',
      description: 'payload "exp": past, then future',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(f, head('RS256', f.issuer.rs), claimsJson(f, `,"exp":${f.now - 3600},"exp":${f.now + 600}`)),
      expected: ACCEPT,
      reason: 'RFC 7519 4: lexically last; the issuer signed exactly this.',
    },
    {
      id: 'exp/future-then-past',
      description: 'payload "exp": future, then past',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(f, head('RS256', f.issuer.rs), claimsJson(f, `,"exp":${f.now + 600},"exp":${f.now - 3600}`)),
      expected: code('ERR_CLAIM_EXPIRED'),
      reason: 'Last exp is in the past.',
    },
    {
      id: 'aud/right-then-wrong',
      description: 'payload "aud": right, then wrong',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(
          f,
          head('RS256', f.issuer.rs),
          `${JSON.stringify(f.claims({ aud: undefined })).slice(0, -1)},"aud":${JSON.stringify(f.issuer.audience)},"aud":"other-api"}`,
        ),
      expected: code('ERR_CLAIM_MISMATCH', 'aud'),
      reason: 'Last aud is another service.',
    },
    {
      id: 'iss/wrong-then-right',
      description: 'payload "iss": wrong, then right',
      profile: 'issuer',
      token: (f) =>
        rs256Raw(
          f,
          head('RS256', f.issuer.rs),
          `${JSON.stringify(f.claims({ iss: undefined })).slice(0, -1)},"iss":"https://evil.example","iss":${JSON.stringify(f.issuer.url)}}`,
        ),
      expected: ACCEPT,
      reason: 'Last iss is the real issuer.',
    },
  ]);
}

// --- Size and depth ---------------------------------------------------------------------------------------
add('size', 'CWE-400 / CWE-674 (resource exhaustion, recursion); BRIEF token size cap (maxTokenBytes 8192)', [
  {
    id: 'exactly-cap',
    description: 'valid token of exactly 8192 characters',
    profile: 'issuer',
    token: (f) => rs256OfLength(f, 8192),
    expected: ACCEPT,
    reason: 'The cap is inclusive.',
  },
  {
    id: 'cap-plus-one',
    description: 'valid token of 8193 characters',
    profile: 'issuer',
    token: (f) => rs256OfLength(f, 8193),
    expected: code('ERR_TOKEN_TOO_LARGE'),
    reason: 'Over the cap, refused before decoding.',
  },
  {
    id: 'one-mebibyte',
    description: '1 MiB of base64url in three parts',
    profile: 'issuer',
    token: () => `${'a'.repeat(4)}.${'b'.repeat(1024 * 1024)}.${'c'.repeat(4)}`,
    expected: code('ERR_TOKEN_TOO_LARGE'),
    reason: 'Bounded work for huge input.',
  },
  {
    id: 'one-mebibyte-of-dots',
    description: '1 MiB of dots',
    profile: 'issuer',
    token: () => '.'.repeat(1024 * 1024),
    expected: code('ERR_TOKEN_TOO_LARGE'),
    reason: 'The size check comes first.',
  },
  {
    id: 'deep-array-payload',
    description: 'valid token whose payload nests arrays 2000 deep',
    profile: 'issuer',
    token: (f) =>
      rs256Raw(
        f,
        head('RS256', f.issuer.rs),
        `${JSON.stringify(f.claims()).slice(0, -1)},"deep":${'['.repeat(2000)}${']'.repeat(2000)}}`,
      ),
    expected: ACCEPT,
    reason: 'Signed by the issuer, within the cap: must verify, without a stack overflow.',
  },
  {
    id: 'deep-object-payload',
    description: 'valid token whose payload nests objects 700 deep',
    profile: 'issuer',
    token: (f) =>
      rs256Raw(
        f,
        head('RS256', f.issuer.rs),
        `${JSON.stringify(f.claims()).slice(0, -1)},"deep":${'{"a":'.repeat(700)}1${'}'.repeat(700)}}`,
      ),
    expected: ACCEPT,
    reason: 'Same.',
  },
  {
    id: 'deep-header',
    description: 'valid token whose header nests arrays 2000 deep',
    profile: 'issuer',
    token: (f) => rs256Raw(f, rsHeaderJson(f, `,"x":${'['.repeat(2000)}${']'.repeat(2000)}`), f.claims()),
    expected: ACCEPT,
    reason: 'Same for the header.',
  },
  {
    id: 'deep-unsigned',
    description: 'attacker payload nested 2500 deep, attacker signature',
    profile: 'issuer',
    token: (f) =>
      compact(
        head('RS256', f.issuer.rs),
        `${JSON.stringify(f.claims()).slice(0, -1)},"a":${'['.repeat(2500)}${']'.repeat(2500)}}`,
        signer('RS256', f.attacker.rs.privateKey),
      ),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Parsed without crashing, then refused on the signature.',
  },
  {
    id: 'many-claims',
    description: 'valid token with 400 claims',
    profile: 'issuer',
    token: (f) => rs256(f, {}, Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`c${i}`, i]))),
    expected: ACCEPT,
    reason: 'Many members are fine within the cap.',
  },
]);

// --- Time claims ------------------------------------------------------------------------------------------
{
  const t = (
    id: string,
    description: string,
    profile: Profile,
    claims: (f: Fixture) => Record<string, unknown>,
    expected: Expected,
    reason: string,
  ): Row => ({
    id,
    description,
    profile,
    token: (f) => rs256(f, {}, claims(f)),
    expected,
    reason,
  });
  const rawExp = (id: string, description: string, json: string, expected: Expected, reason: string): Row => ({
    id,
    description,
    profile: 'issuer',
    token: (f) =>
      rs256Raw(
        f,
        head('RS256', f.issuer.rs),
        `${JSON.stringify(f.claims({ exp: undefined })).slice(0, -1)},"exp":${json}}`,
      ),
    expected,
    reason,
  });
  add('time', 'RFC 7519 2 (NumericDate), 4.1.4-4.1.6', [
    t(
      'exp/at-tolerance',
      'exp = now - 5 (tolerance 5 s)',
      'issuer',
      (f) => ({ exp: f.now - 5 }),
      code('ERR_CLAIM_EXPIRED'),
      'now - tolerance >= exp: expired (RFC 7519 4.1.4 "on or after").',
    ),
    t(
      'exp/inside-tolerance',
      'exp = now - 4',
      'issuer',
      (f) => ({ exp: f.now - 4 }),
      ACCEPT,
      'Within the 5 s skew allowance.',
    ),
    t(
      'exp/hour-ago',
      'exp an hour ago',
      'issuer',
      (f) => ({ exp: f.now - 3600 }),
      code('ERR_CLAIM_EXPIRED'),
      'Expired.',
    ),
    t('exp/zero', 'exp = 0', 'issuer', () => ({ exp: 0 }), code('ERR_CLAIM_EXPIRED'), 'The epoch is long past.'),
    t(
      'exp/negative',
      'exp = -1',
      'issuer',
      () => ({ exp: -1 }),
      code('ERR_CLAIM_EXPIRED'),
      'Negative NumericDate: past.',
    ),
    t(
      'exp/fractional',
      'exp = now + 60.5',
      'issuer',
      (f) => ({ exp: f.now + 60.5 }),
      ACCEPT,
      'NumericDate may be non-integer (RFC 7519 2).',
    ),
    t(
      'exp/far-future',
      'exp = 10^15',
      'issuer',
      () => ({ exp: 1e15 }),
      ACCEPT,
      'Valid per RFC 7519; bound lifetimes with maxTokenAgeSec (SECURITY.md).',
    ),
    t(
      'exp/missing',
      'no exp',
      'issuer',
      () => ({ exp: undefined }),
      code('ERR_CLAIM_MISSING', 'exp'),
      'exp is required by default (RFC 8725 3.10 guidance; BRIEF).',
    ),
    t(
      'exp/string',
      'exp as a string',
      'issuer',
      (f) => ({ exp: String(f.now + 600) }),
      code('ERR_CLAIM_INVALID', 'exp'),
      'NumericDate is a JSON number.',
    ),
    t(
      'exp/null',
      'exp null',
      'issuer',
      () => ({ exp: null }),
      code('ERR_CLAIM_INVALID', 'exp'),
      'Present but not a number: not the same as absent.',
    ),
    t('exp/boolean', 'exp true', 'issuer', () => ({ exp: true }), code('ERR_CLAIM_INVALID', 'exp'), 'Not a number.'),
    t(
      'exp/array',
      'exp [future]',
      'issuer',
      (f) => ({ exp: [f.now + 600] }),
      code('ERR_CLAIM_INVALID', 'exp'),
      'Not a number.',
    ),
    t('exp/object', 'exp {}', 'issuer', () => ({ exp: {} }), code('ERR_CLAIM_INVALID', 'exp'), 'Not a number.'),
    rawExp(
      'exp/overflow',
      'exp 1e400 (parses to Infinity)',
      '1e400',
      code('ERR_CLAIM_INVALID', 'exp'),
      'Infinity is not a NumericDate; refused rather than "never expires".',
    ),
    rawExp(
      'exp/negative-overflow',
      'exp -1e400 (parses to -Infinity)',
      '-1e400',
      code('ERR_CLAIM_INVALID', 'exp'),
      'Same.',
    ),
    rawExp(
      'exp/exponent',
      'exp written with an exponent (1.9e9 style)',
      '9.99e9',
      ACCEPT,
      'Any JSON number form is a NumericDate.',
    ),
    t('nbf/at-tolerance', 'nbf = now + 5', 'issuer', (f) => ({ nbf: f.now + 5 }), ACCEPT, 'now + tolerance >= nbf.'),
    t(
      'nbf/beyond-tolerance',
      'nbf = now + 6',
      'issuer',
      (f) => ({ nbf: f.now + 6 }),
      code('ERR_CLAIM_NOT_YET_VALID', 'nbf'),
      'Not yet valid.',
    ),
    t(
      'nbf/string',
      'nbf as a string',
      'issuer',
      (f) => ({ nbf: String(f.now) }),
      code('ERR_CLAIM_INVALID', 'nbf'),
      'Not a number.',
    ),
    t(
      'iat/future-beyond-tolerance',
      'iat = now + 6',
      'issuer',
      (f) => ({ iat: f.now + 6 }),
      code('ERR_CLAIM_NOT_YET_VALID', 'iat'),
      'Issued in the future: a clock problem or a forgery attempt.',
    ),
    t('iat/future-in-tolerance', 'iat = now + 5', 'issuer', (f) => ({ iat: f.now + 5 }), ACCEPT, 'Within skew.'),
    t(
      'iat/epoch',
      'iat = 0 (no max age set)',
      'issuer',
      () => ({ iat: 0 }),
      ACCEPT,
      'Old but not expired; age is limited only when maxTokenAgeSec is set.',
    ),
    t(
      'iat/string',
      'iat as a string',
      'issuer',
      (f) => ({ iat: String(f.now) }),
      code('ERR_CLAIM_INVALID', 'iat'),
      'Not a number.',
    ),
    t('iat/null', 'iat null', 'issuer', () => ({ iat: null }), code('ERR_CLAIM_INVALID', 'iat'), 'Not a number.'),
    t(
      'zero-tolerance/exp-now',
      'exp = now, tolerance 0',
      'issuer-zero-tolerance',
      (f) => ({ exp: f.now }),
      code('ERR_CLAIM_EXPIRED'),
      'RFC 7519 4.1.4: the current time must be before exp.',
    ),
    t(
      'zero-tolerance/exp-now-plus-ms',
      'exp = now + 0.001, tolerance 0',
      'issuer-zero-tolerance',
      (f) => ({ exp: f.now + 0.001 }),
      ACCEPT,
      'Still before exp.',
    ),
    t(
      'zero-tolerance/nbf-now',
      'nbf = now, tolerance 0',
      'issuer-zero-tolerance',
      (f) => ({ nbf: f.now }),
      ACCEPT,
      'RFC 7519 4.1.5: on or after nbf.',
    ),
    t(
      'zero-tolerance/nbf-now-plus-ms',
      'nbf = now + 0.001, tolerance 0',
      'issuer-zero-tolerance',
      (f) => ({ nbf: f.now + 0.001 }),
      code('ERR_CLAIM_NOT_YET_VALID', 'nbf'),
      'Before nbf.',
    ),
    t(
      'zero-tolerance/iat-now',
      'iat = now, tolerance 0',
      'issuer-zero-tolerance',
      (f) => ({ iat: f.now }),
      ACCEPT,
      'Issued now.',
    ),
    t(
      'max-age/at-limit',
      'iat = now - 305 with maxTokenAgeSec 300 (+5 s tolerance)',
      'issuer-max-age',
      (f) => ({ iat: f.now - 305 }),
      ACCEPT,
      'Exactly at the limit.',
    ),
    t(
      'max-age/over-limit',
      'iat = now - 306',
      'issuer-max-age',
      (f) => ({ iat: f.now - 306 }),
      code('ERR_CLAIM_TOO_OLD', 'iat'),
      'Older than allowed.',
    ),
    t(
      'max-age/missing-iat',
      'no iat with maxTokenAgeSec',
      'issuer-max-age',
      () => ({ iat: undefined }),
      code('ERR_CLAIM_MISSING', 'iat'),
      'Age cannot be enforced without iat.',
    ),
  ]);
}

// --- Issuer and audience ------------------------------------------------------------------------------------
{
  const claim = (
    id: string,
    description: string,
    claims: (f: Fixture) => Record<string, unknown>,
    expected: Expected,
    reason: string,
    profile: Profile = 'issuer',
  ): Row => ({
    id,
    description,
    profile,
    token: (f) => rs256(f, {}, claims(f)),
    expected,
    reason,
  });
  const iss = (
    id: string,
    description: string,
    value: (f: Fixture) => unknown,
    reason = 'iss is compared exactly (RFC 8725 3.8); no normalization.',
  ) => claim(`iss/${id}`, `iss ${description}`, (f) => ({ iss: value(f) }), code('ERR_CLAIM_MISMATCH', 'iss'), reason);
  const aud = (id: string, description: string, value: (f: Fixture) => unknown, expected: Expected, reason: string) =>
    claim(`aud/${id}`, `aud ${description}`, (f) => ({ aud: value(f) }), expected, reason);
  add('iss-aud', 'RFC 7519 4.1.1, 4.1.3; RFC 8725 2.7, 3.8, 3.9', [
    iss('trailing-slash', 'with a trailing slash', (f) => `${f.issuer.url}/`),
    iss('upper-case', 'upper-cased', (f) => f.issuer.url.toUpperCase()),
    iss('https', 'with https instead of http', (f) => f.issuer.url.replace('http:', 'https:')),
    iss('localhost', 'naming localhost instead of 127.0.0.1', (f) => f.issuer.url.replace('127.0.0.1', 'localhost')),
    iss('path', 'with an extra path', (f) => `${f.issuer.url}/tenants/x`),
    iss('dot-segment', 'with "/." appended', (f) => `${f.issuer.url}/.`),
    iss('whitespace', 'with a trailing space', (f) => `${f.issuer.url} `),
    iss('percent-encoded', 'percent-encoding a character', (f) => f.issuer.url.replace('127', '%31%32%37')),
    iss('array', 'as a one-element array', (f) => [f.issuer.url], 'iss is a StringOrURI, not a list.'),
    iss('null', 'null', () => null),
    iss('number', 'a number', () => 127001),
    iss('missing', 'absent', () => undefined, 'An issuer is configured, so iss is required.'),
    iss('other', 'of another issuer', () => 'https://evil.example'),
    aud(
      'trailing-slash',
      'with a trailing slash',
      (f) => `${f.issuer.audience}/`,
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'Exact string match (RFC 7519 4.1.3).',
    ),
    aud(
      'case',
      'upper-cased',
      (f) => f.issuer.audience.toUpperCase(),
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'Case-sensitive.',
    ),
    aud(
      'whitespace',
      'with a leading space',
      (f) => ` ${f.issuer.audience}`,
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'Exact.',
    ),
    aud(
      'prefix',
      'a prefix of the audience',
      (f) => f.issuer.audience.slice(0, -2),
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'No prefix matching.',
    ),
    aud(
      'suffix',
      'the audience plus a suffix',
      (f) => `${f.issuer.audience}-evil`,
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'No substring matching.',
    ),
    aud(
      'nul',
      'the audience plus NUL',
      (f) => `${f.issuer.audience}\u0000`,
      code('ERR_CLAIM_MISMATCH', 'aud'),
      'No truncation.',
    ),
    aud(
      'array-containing',
      '["other-api", <audience>]',
      (f) => ['other-api', f.issuer.audience],
      ACCEPT,
      'An array needs to contain this service (RFC 7519 4.1.3).',
    ),
    aud('array-without', '["other-api"]', () => ['other-api'], code('ERR_CLAIM_MISMATCH', 'aud'), 'Not for us.'),
    aud('empty-array', '[]', () => [], code('ERR_CLAIM_MISMATCH', 'aud'), 'Names nobody.'),
    aud(
      'nested-array',
      '[[<audience>]]',
      (f) => [[f.issuer.audience]],
      code('ERR_CLAIM_INVALID', 'aud'),
      'Array of strings only.',
    ),
    aud(
      'mixed-array',
      '[<audience>, 42]',
      (f) => [f.issuer.audience, 42],
      code('ERR_CLAIM_INVALID', 'aud'),
      'Array of strings only, even if one matches.',
    ),
    aud('null', 'null', () => null, code('ERR_CLAIM_INVALID', 'aud'), 'Not a string or array.'),
    aud('number', '42', () => 42, code('ERR_CLAIM_INVALID', 'aud'), 'Same.'),
    aud('object', '{}', () => ({}), code('ERR_CLAIM_INVALID', 'aud'), 'Same.'),
    aud(
      'missing',
      'absent',
      () => undefined,
      code('ERR_CLAIM_MISSING', 'aud'),
      'An audience is configured, so aud is required (RFC 8725 3.9).',
    ),
  ]);
  add('multi-tenant', 'RFC 8725 2.7, 3.8 (issuer-to-key binding); BRIEF multi-tenant', [
    {
      id: 'own-issuer',
      description: 'issuer token to the multi-tenant verifier',
      profile: 'multi',
      token: (f) => rs256(f),
      expected: ACCEPT,
      reason: 'Tenant selected by iss.',
    },
    {
      id: 'partner',
      description: 'partner token (partner key, partner iss/aud)',
      profile: 'multi',
      token: (f) =>
        compact(
          head('RS256', hostileKey(f, 'rsa-noalg')),
          f.partnerClaims(),
          signer('RS256', hostileKey(f, 'rsa-noalg').privateKey),
        ),
      expected: ACCEPT,
      reason: 'Second tenant, its own JWKS.',
    },
    {
      id: 'issuer-key-partner-iss',
      description: "issuer's key, but iss/aud of the partner",
      profile: 'multi',
      token: (f) => compact(head('RS256', f.issuer.rs), f.partnerClaims(), rsSign(f)),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: "The iss selects the partner's key set, which does not hold the issuer's key.",
    },
    {
      id: 'partner-key-issuer-iss',
      description: "partner's key, but the issuer's iss",
      profile: 'multi',
      token: (f) =>
        compact(
          head('RS256', hostileKey(f, 'rsa-noalg')),
          f.claims(),
          signer('RS256', hostileKey(f, 'rsa-noalg').privateKey),
        ),
      expected: code('ERR_KEY_NOT_FOUND'),
      reason: 'A tenant cannot mint tokens for another tenant.',
    },
    {
      id: 'partner-aud-mismatch',
      description: 'partner token carrying the issuer tenant audience',
      profile: 'multi',
      token: (f) =>
        compact(
          head('RS256', hostileKey(f, 'rsa-noalg')),
          f.partnerClaims({ aud: f.issuer.audience }),
          signer('RS256', hostileKey(f, 'rsa-noalg').privateKey),
        ),
      expected: code('ERR_CLAIM_MISMATCH', 'aud'),
      reason: 'Audiences are per tenant.',
    },
    {
      id: 'partner-alg-not-allowed',
      description: 'partner token with PS256 (partner allows RS256, ES256)',
      profile: 'multi',
      token: (f) =>
        compact(
          head('PS256', hostileKey(f, 'rsa-noalg')),
          f.partnerClaims(),
          signer('PS256', hostileKey(f, 'rsa-noalg').privateKey),
        ),
      expected: code('ERR_ALG_NOT_ALLOWED'),
      reason: 'Allowlists are per tenant.',
    },
    {
      id: 'unknown-iss',
      description: 'iss of nobody',
      profile: 'multi',
      token: (f) => rs256(f, {}, { iss: 'https://evil.example' }),
      expected: code('ERR_CLAIM_MISMATCH', 'iss'),
      reason: 'Unknown issuers are refused before any key lookup.',
    },
    {
      id: 'missing-iss',
      description: 'no iss',
      profile: 'multi',
      token: (f) => rs256(f, {}, { iss: undefined }),
      expected: code('ERR_CLAIM_MISMATCH', 'iss'),
      reason: 'Cannot select a tenant.',
    },
  ]);
}

// --- typ -------------------------------------------------------------------------------------------------------
{
  const typ = (
    id: string,
    value: unknown,
    expected: Expected,
    reason: string,
    profile: Profile = 'issuer-typ',
  ): Row => ({
    id: `${profile === 'issuer-typ' ? 'required' : 'unchecked'}/${id}`,
    description: `typ ${value === undefined ? 'absent' : JSON.stringify(value)}${profile === 'issuer-typ' ? ' (at+jwt required)' : ' (no typ policy)'}`,
    profile,
    token: (f) => rs256(f, { typ: value }),
    expected,
    reason,
  });
  const mismatch = code('ERR_CLAIM_MISMATCH', 'typ');
  add('typ', 'RFC 8725 2.8, 3.11, 3.12; RFC 9068 2.1, 4; RFC 7515 4.1.9', [
    typ('at+jwt', 'at+jwt', ACCEPT, 'The RFC 9068 type.'),
    typ(
      'application-prefix',
      'application/at+jwt',
      ACCEPT,
      'RFC 7515 4.1.9: the "application/" prefix may be omitted, so both forms are the same type.',
    ),
    typ('upper-case', 'AT+JWT', ACCEPT, 'Media types compare case-insensitively (RFC 2045).'),
    typ('mixed-case-prefix', 'Application/At+Jwt', ACCEPT, 'Same.'),
    typ(
      'jwt',
      'JWT',
      mismatch,
      'A generic JWT (e.g. an ID token) is not an access token: explicit typing (RFC 8725 3.11).',
    ),
    typ('missing', undefined, mismatch, 'Required when configured.'),
    typ('trailing-space', 'at+jwt ', mismatch, 'Exact after normalization.'),
    typ('application-jwt', 'application/jwt', mismatch, 'Not the access-token type.'),
    typ('double-prefix', 'application/application/at+jwt', mismatch, 'Only one prefix is removed.'),
    typ('secevent', 'secevent+jwt', mismatch, 'A security event token is not an access token (RFC 8417).'),
    typ('number', 42, code('ERR_TOKEN_MALFORMED'), 'typ is a string.'),
    typ('null', null, code('ERR_TOKEN_MALFORMED'), 'typ is a string.'),
    {
      id: 'required/in-payload-only',
      description: 'typ "at+jwt" in the payload, not the header',
      profile: 'issuer-typ',
      token: (f) => rs256(f, { typ: undefined }, { typ: 'at+jwt' }),
      expected: mismatch,
      reason: 'typ is a header parameter; a claim of the same name does not count.',
    },
    typ('jwt', 'JWT', ACCEPT, 'No typ policy configured: not checked.', 'issuer'),
    typ('missing', undefined, ACCEPT, 'Same.', 'issuer'),
    typ('dpop', 'dpop+jwt', ACCEPT, 'Same; configure typ to refuse other token types (SECURITY.md).', 'issuer'),
    typ('number', 42, code('ERR_TOKEN_MALFORMED'), 'Malformed regardless of policy.', 'issuer'),
  ]);
}

// --- HS256 migration -----------------------------------------------------------------------------------------
add('hs256', 'RFC 7518 3.2; RFC 8725 3.5; BRIEF HS256 migration', [
  {
    id: 'migration/current-secret',
    description: 'HS256 with the current secret',
    profile: 'issuer-migration',
    token: hs256('current'),
    expected: ACCEPT,
    reason: 'Migration mode accepts configured secrets.',
    check: (r) => {
      if (r.keySource !== 'secret' || r.alg !== 'HS256') throw new Error('not verified by a secret');
    },
  },
  {
    id: 'migration/previous-secret',
    description: 'HS256 with the previous (rotated) secret',
    profile: 'issuer-migration',
    token: hs256('previous'),
    expected: ACCEPT,
    reason: 'All configured secrets verify.',
  },
  {
    id: 'migration/issuer-minted',
    description: 'HS256 token minted by @tollgate/issuer with the current secret',
    profile: 'issuer-migration',
    token: (f) => f.issuer.mint({}, { alg: 'HS256', secret: f.secrets.current }),
    expected: ACCEPT,
    reason: 'Independent producer.',
  },
  {
    id: 'migration/unknown-secret',
    description: 'HS256 with a secret nobody configured',
    profile: 'issuer-migration',
    token: (f) => hs256('unknown')(f),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Not a configured secret.',
  },
  {
    id: 'migration/kid-of-rsa-key',
    description: "HS256 with the current secret and the RSA key's kid",
    profile: 'issuer-migration',
    token: (f) => hs256('current', { kid: f.issuer.rs.kid })(f),
    expected: ACCEPT,
    reason: 'For HS256 the kid selects nothing: secrets are tried, JWKS keys never are.',
    check: (r) => {
      if (r.keySource !== 'secret') throw new Error('HS256 verified by a JWKS key');
    },
  },
  {
    id: 'migration/truncated-mac',
    description: 'HS256 MAC truncated to 16 bytes',
    profile: 'issuer-migration',
    token: (f) => {
      const t = hs256('current')(f);
      return withPart(t, 2, b64u(Buffer.from(parts(t)[2], 'base64url').subarray(0, 16)));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'HS256 is the full 32-byte MAC; truncation would cut the forgery cost.',
  },
  {
    id: 'migration/mac-plus-byte',
    description: 'HS256 MAC with a byte appended',
    profile: 'issuer-migration',
    token: (f) => {
      const t = hs256('current')(f);
      return withPart(t, 2, b64u(Buffer.concat([Buffer.from(parts(t)[2], 'base64url'), Buffer.alloc(1)])));
    },
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Exact length.',
  },
  {
    id: 'migration/empty-mac',
    description: 'HS256 with an empty signature',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS256' }, f.claims(), EMPTY),
    expected: code('ERR_TOKEN_MALFORMED'),
    reason: 'Unsigned.',
  },
  {
    id: 'migration/secret-prefix',
    description: 'HS256 with the first 16 bytes of the secret',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS256' }, f.claims(), signer('HS256', f.secrets.current.slice(0, 16))),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason: 'Different key.',
  },
  {
    id: 'migration/lowercase-alg',
    description: 'alg "hs256" with the current secret',
    profile: 'issuer-migration',
    token: (f) => hs256('current', { alg: 'hs256' })(f),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'Case-sensitive.',
  },
  {
    id: 'migration/hs384',
    description: 'HS384 with the current secret',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS384' }, f.claims(), signer('HS384', f.secrets.current)),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'Only HS256 is a migration algorithm.',
  },
  {
    id: 'migration/hs512',
    description: 'HS512 with the current secret',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS512' }, f.claims(), signer('HS512', f.secrets.current)),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'Same.',
  },
  {
    id: 'migration/expired',
    description: 'HS256, current secret, expired',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS256' }, f.claims({ exp: f.now - 60 }), signer('HS256', f.secrets.current)),
    expected: code('ERR_CLAIM_EXPIRED'),
    reason: 'Claims apply to HS256 as to any token.',
  },
  {
    id: 'migration/wrong-audience',
    description: 'HS256, current secret, another audience',
    profile: 'issuer-migration',
    token: (f) => compact({ alg: 'HS256' }, f.claims({ aud: 'other-api' }), signer('HS256', f.secrets.current)),
    expected: code('ERR_CLAIM_MISMATCH', 'aud'),
    reason: 'Same.',
  },
  {
    id: 'migration/rs256-still-works',
    description: 'RS256 during the migration',
    profile: 'issuer-migration',
    token: (f) => rs256(f),
    expected: ACCEPT,
    reason: 'Both algorithms during the migration.',
    check: (r) => {
      if (r.keySource !== 'jwks') throw new Error('RS256 not verified by a JWKS key');
    },
  },
  {
    id: 'off/current-secret',
    description: 'HS256 with the real secret, migration off',
    profile: 'issuer',
    token: hs256('current'),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'Off unless configured.',
  },
  {
    id: 'ended/current-secret',
    description: 'HS256 with the real secret after notAfter',
    profile: 'issuer-migration-ended',
    token: hs256('current'),
    expected: code('ERR_ALG_NOT_ALLOWED'),
    reason: 'The migration window closed.',
  },
  {
    id: 'ended/rs256',
    description: 'RS256 after the HS256 window closed',
    profile: 'issuer-migration-ended',
    token: (f) => rs256(f),
    expected: ACCEPT,
    reason: 'Only HS256 ends.',
  },
]);

// --- Findings of the 2026-12 outside review (issue 12) ---------------------------------------------------------
/**
 * Signs with PS256 until the signature starts with a zero byte (PSS is randomised: about one try in
 * 256), then drops that byte: OpenSSL still accepts the shorter signature, so without an exact
 * length check the token has a second valid encoding.
 */
const zeroLeadingPs256 = (drop: boolean) => (f: Fixture) => {
  const key = hostileKey(f, 'rsa-ps256');
  const input = Buffer.from(`${b64u(head('PS256', key))}.${b64u(f.claims({ jti: 'zero-leading' }))}`);
  const sign = signer('PS256', key.privateKey);
  for (;;) {
    const signature = sign(input);
    if (signature[0] === 0) return `${input.toString()}.${b64u(drop ? signature.subarray(1) : signature)}`;
  }
};
add('review', 'issue 12 review findings; RFC 8017 8.1.2', [
  {
    id: 'ps256-zero-leading/as-signed',
    description: 'PS256 signature whose first byte is 0x00, as signed',
    profile: 'hostile',
    token: zeroLeadingPs256(false),
    expected: ACCEPT,
    reason: 'A correct signature of the full modulus length.',
  },
  {
    id: 'ps256-zero-leading/byte-dropped',
    description: 'the same PS256 signature with its leading 0x00 removed (255 bytes)',
    profile: 'hostile',
    token: zeroLeadingPs256(true),
    expected: code('ERR_TOKEN_SIGNATURE_INVALID'),
    reason:
      'Finding 2: a signature is exactly as long as the modulus; a second encoding of one token would defeat replay checks and caches keyed on the token string.',
  },
  {
    id: 'required-claims/prototype-names',
    description: 'requiredClaims constructor, toString, __proto__; the token has none of them',
    profile: 'issuer-required-claims',
    token: (f) => rs256(f),
    expected: code('ERR_CLAIM_MISSING', 'constructor'),
    reason: 'Finding 6: only own members of the payload count as present.',
  },
  {
    id: 'required-claims/own-members',
    description: 'the same policy, the token carries all three as own members',
    profile: 'issuer-required-claims',
    token: (f) =>
      rs256Raw(
        f,
        head('RS256', f.issuer.rs),
        `{"iss":${JSON.stringify(f.issuer.url)},"aud":${JSON.stringify(f.issuer.audience)},"exp":${f.now + 600},"iat":${f.now},"sub":"u","constructor":1,"toString":2,"__proto__":{"a":3}}`,
      ),
    expected: ACCEPT,
    reason: 'Own members named like prototype members are ordinary claims.',
  },
  {
    id: 'rsa-16384',
    description: 'RS256 token naming an RSA-16384 key of the hostile JWKS',
    profile: 'hostile',
    token: (f) => compact(head('RS256', hostileKey(f, 'rsa-16384')), f.claims(), fixedSignature(Buffer.alloc(2048, 1))),
    expected: code('ERR_KEY_NOT_FOUND'),
    reason:
      'Finding 5: RSA keys over 8192 bits are refused at import (keys:rejected rsa-too-large), so a forged token never costs a 16384-bit verification.',
  },
]);

/** The corpus, in table order. Ids are unique. */
export const CORPUS: readonly CorpusCase[] = Object.freeze(rows);

const seen = new Set<string>();
for (const row of CORPUS) {
  if (seen.has(row.id)) throw new Error(`duplicate corpus id ${row.id}`);
  seen.add(row.id);
}
