import { constants, type KeyObject, type verify } from 'node:crypto';

/** Asymmetric algorithms verified against JWKS keys. */
export const ASYMMETRIC_ALGORITHMS = [
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

/** Every algorithm tollgate verifies. HS256 only against configured migration secrets. */
export const SUPPORTED_ALGORITHMS = [...ASYMMETRIC_ALGORITHMS, 'HS256'] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** What `node:crypto` needs to verify one algorithm, and which keys fit it. */
export interface AlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  /** Digest for `crypto.verify`; null for EdDSA and HMAC-handled separately. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Curves a key may have (EC/OKP). */
  readonly curves?: readonly string[];
  readonly pss?: true;
  /** Exact signature length in bytes where the algorithm fixes it (ECDSA as r||s, EdDSA). */
  readonly signatureBytes?: number;
}

const RSA = (hash: AlgorithmSpec['hash'], pss?: true): AlgorithmSpec =>
  pss ? { kty: 'RSA', hash, pss } : { kty: 'RSA', hash };

export const ALGORITHM_SPECS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  RS256: RSA('sha256'),
  RS384: RSA('sha384'),
  RS512: RSA('sha512'),
  PS256: RSA('sha256', true),
  PS384: RSA('sha384', true),
  PS512: RSA('sha512', true),
  ES256: { kty: 'EC', hash: 'sha256', curves: ['P-256'], signatureBytes: 64 },
  ES384: { kty: 'EC', hash: 'sha384', curves: ['P-384'], signatureBytes: 96 },
  ES512: { kty: 'EC', hash: 'sha512', curves: ['P-521'], signatureBytes: 132 },
  EdDSA: { kty: 'OKP', hash: null, curves: ['Ed25519'], signatureBytes: 64 },
  Ed25519: { kty: 'OKP', hash: null, curves: ['Ed25519'], signatureBytes: 64 },
  HS256: { kty: 'oct', hash: 'sha256', signatureBytes: 32 },
};

const SUPPORTED = new Set<string>(SUPPORTED_ALGORITHMS);

export function isSupportedAlgorithm(alg: unknown): alg is Algorithm {
  return typeof alg === 'string' && SUPPORTED.has(alg);
}

/** Options object for `crypto.verify`, built once per (key, alg) and reused on the hot path. */
export function verifyKeyInput(alg: Algorithm, key: KeyObject): Parameters<typeof verify>[2] {
  const spec = ALGORITHM_SPECS[alg];
  if (spec.kty === 'EC') return { key, dsaEncoding: 'ieee-p1363' };
  if (spec.pss) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  if (spec.kty === 'RSA') return { key, padding: constants.RSA_PKCS1_PADDING };
  return key;
}
