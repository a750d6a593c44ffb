// Checks the DPoP proof of a token request (RFC 9449 §4.3). This is the issuer's own small
// verifier, with node:crypto only, following the core's defaults (300 s, 5 s skew, 8192 bytes, jti
// of 256 characters). The core's verifier (verifyDpopProof in packages/core/src/dpop/) is not part
// of a public entry point yet; once it is, the token endpoint should call it, so the two cannot
// drift apart.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { DPOP_ALGORITHMS, isDpopAlgorithm, type DpopAlgorithm } from './algorithms.js';
import { jwkThumbprint } from './thumbprints.js';

/** Oldest `iat` accepted, in seconds before now. */
export const DPOP_PROOF_MAX_AGE_SEC = 300;
/**
 * How far `iat` may lie ahead of the issuer's clock, and the tolerance for a proof's own
 * `exp`/`nbf`, in seconds. The same default as the core's proof verifier (`clockSkewSec`).
 */
export const DPOP_PROOF_LEEWAY_SEC = 5;
/** Largest proof accepted, in characters. */
export const DPOP_PROOF_MAX_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export type ProofError = 'invalid_dpop_proof' | 'use_dpop_nonce';
export type ProofResult = { ok: true; jkt: string } | { ok: false; error: ProofError; description: string };

export interface ProofExpectations {
  readonly method: string;
  /** The URL the request was sent to, as the issuer publishes it (never built from `Host`). */
  readonly htu: string;
  readonly nowMs: number;
  /** When set, the proof must carry a nonce this accepts. */
  readonly acceptsNonce?: ((nonce: unknown) => boolean) | undefined;
  /** Records the proof; false for a `jti` already used with this key. Called last, only for an otherwise valid proof. */
  readonly remember: (jkt: string, jti: string, expiresAtMs: number) => boolean;
}

/** Checks the `DPoP` header values of one request. Never throws for bad input. */
export function checkProof(values: readonly string[], expect: ProofExpectations): ProofResult {
  const fail = (description: string, error: ProofError = 'invalid_dpop_proof'): ProofResult => ({ ok: false, error, description });
  if (values.length !== 1) return fail('send exactly one DPoP header');
  const proof = (values[0] ?? '').trim();
  if (proof.length > DPOP_PROOF_MAX_LENGTH) return fail(`the DPoP proof is longer than ${DPOP_PROOF_MAX_LENGTH} characters`);
  if (!COMPACT_JWS.test(proof)) return fail('the DPoP header must hold exactly one compact JWS');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = proof.split('.');
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!header || !payload) return fail('the DPoP proof header and payload must be JSON objects');

  if (header.typ !== 'dpop+jwt') return fail('the DPoP proof must have typ "dpop+jwt"');
  if (!isDpopAlgorithm(header.alg)) return fail(`the DPoP proof alg must be one of ${DPOP_ALGORITHMS.join(', ')}`);
  if (header.jku !== undefined || header.x5u !== undefined || header.x5c !== undefined) {
    return fail('the DPoP proof names its key by jku, x5u or x5c; only the embedded jwk is accepted');
  }
  const key = publicKeyOf(header.jwk, header.alg);
  if (typeof key === 'string') return fail(key);
  if (!signatureValid(header.alg, key.key, `${headerPart}.${payloadPart}`, signaturePart)) {
    return fail('the DPoP proof signature does not verify with its jwk');
  }

  const nowSec = expect.nowMs / 1000;
  if (payload.htm !== expect.method) return fail(`the DPoP proof htm must be "${expect.method}"`);
  if (typeof payload.htu !== 'string' || withoutQuery(payload.htu) !== withoutQuery(expect.htu)) {
    return fail(`the DPoP proof htu must be ${expect.htu}`);
  }
  const { iat, jti } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return fail('the DPoP proof needs a numeric iat');
  if (iat < nowSec - DPOP_PROOF_MAX_AGE_SEC) return fail('the DPoP proof is too old; make a new proof for every request');
  if (iat > nowSec + DPOP_PROOF_LEEWAY_SEC) return fail('the DPoP proof iat lies in the future; check the client clock');
  if (payload.exp !== undefined && !(typeof payload.exp === 'number' && payload.exp + DPOP_PROOF_LEEWAY_SEC > nowSec)) return fail('the DPoP proof has expired');
  if (payload.nbf !== undefined && !(typeof payload.nbf === 'number' && payload.nbf <= nowSec + DPOP_PROOF_LEEWAY_SEC)) {
    return fail('the DPoP proof is not valid yet');
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) return fail(`the DPoP proof needs a jti of 1 to ${MAX_JTI_LENGTH} characters`);
  if (expect.acceptsNonce && !expect.acceptsNonce(payload.nonce)) {
    return fail('this server requires a DPoP nonce: make a new proof with the DPoP-Nonce value of this response', 'use_dpop_nonce');
  }
  // Remembered until the proof would fail the iat check by itself.
  if (!expect.remember(key.jkt, jti, (iat + DPOP_PROOF_MAX_AGE_SEC) * 1000)) {
    return fail('this DPoP proof was already used; make a new proof for every request');
  }
  return { ok: true, jkt: key.jkt };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The proof's public key and its thumbprint, or why it cannot be used. */
function publicKeyOf(jwk: unknown, alg: DpopAlgorithm): { key: KeyObject; jkt: string } | string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'the DPoP proof must carry its public key in a jwk header';
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => m in members)) return 'the DPoP proof jwk must not contain private key members';
  // Only the members that define the key are imported, so nothing else in the header can steer it.
  let publicJwk: Record<string, unknown>;
  if (alg === 'ES256' && members.kty === 'EC' && members.crv === 'P-256') publicJwk = { kty: 'EC', crv: 'P-256', x: members.x, y: members.y };
  else if ((alg === 'RS256' || alg === 'PS256') && members.kty === 'RSA') publicJwk = { kty: 'RSA', n: members.n, e: members.e };
  else if (alg === 'EdDSA' && members.kty === 'OKP' && members.crv === 'Ed25519') publicJwk = { kty: 'OKP', crv: 'Ed25519', x: members.x };
  else return `the DPoP proof jwk does not fit alg ${alg}`;
  let key: KeyObject;
  let jkt: string;
  try {
    jkt = jwkThumbprint(publicJwk);
    key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  } catch {
    return 'the DPoP proof jwk is not a valid public key';
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    return 'the DPoP proof RSA key must have at least 2048 bits';
  }
  return { key, jkt };
}

function signatureValid(alg: DpopAlgorithm, key: KeyObject, input: string, signaturePart: string): boolean {
  const data = Buffer.from(input);
  const signature = Buffer.from(signaturePart, 'base64url');
  // An RSA signature is exactly as long as the modulus (RFC 8017 §8.1.2, §8.2.2); OpenSSL takes a
  // PSS signature with its leading zero bytes dropped, which would make such proofs malleable.
  if (key.asymmetricKeyType === 'rsa' && signature.length * 8 !== key.asymmetricKeyDetails?.modulusLength) return false;
  try {
    switch (alg) {
      case 'ES256':
        return signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'RS256':
        return verify('sha256', data, key, signature);
      case 'PS256':
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
      case 'EdDSA':
        return verify(null, data, key, signature);
    }
  } catch {
    return false;
  }
}

/** RFC 9449 §4.3: htu is compared without query and fragment; URL parsing normalises case and default ports. */
function withoutQuery(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}
