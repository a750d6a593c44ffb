import { createHash } from 'node:crypto';
import type { AsymmetricAlgorithm } from '../algorithms.js';
import { decodeCompactJws, type DecodedJws, type HeaderMemo } from '../compact-jws.js';
import { DpopError, isTollgateError, type DpopFailureReason } from '../errors.js';
import type { VerificationKey } from '../verification-key.js';
import type { DpopNonceCheck } from './dpop-nonce.js';
import type { DpopProofPolicy } from './dpop-proof-policy.js';
import { normalizeHtu } from './htu.js';
import { proofKey } from './proof-key.js';

/** What a proof must match: the request it came with. */
export interface DpopProofExpectation {
  /** The request method, compared exactly (case-sensitive) with `htm`. */
  readonly method: string;
  /** The request URI in canonical form, from `requestHtu` (or `normalizeHtu`). */
  readonly htu: string;
  /** The access token sent with the proof. When given, `ath` is required and must be its SHA-256. */
  readonly accessToken?: string | undefined;
  /** When given, the proof must carry a `nonce` this check accepts (else `ERR_DPOP_NONCE_REQUIRED`). */
  readonly nonce?: DpopNonceCheck | undefined;
  /** Current time in milliseconds. */
  readonly nowMs: number;
  /** From `createDpopProofPolicy`, built once at start-up. */
  readonly policy: DpopProofPolicy;
}

/** A proof that passed every check but the replay check (`useProofOnce`). */
export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint of the proof key: the token's `cnf.jkt` must equal it. */
  readonly jkt: string;
  readonly jti: string;
  /** The proof's `iat`, in seconds. */
  readonly iat: number;
  readonly alg: AsymmetricAlgorithm;
  /** The proof key, imported (cached across a client's proofs). */
  readonly key: VerificationKey;
  /** The proof's `nonce`, if it had one. */
  readonly nonce: string | undefined;
  /** Id for the replay store: `${jkt}:${jti}` (unambiguous: a thumbprint holds no ':'). */
  readonly replayId: string;
  /** How long the proof stays acceptable, plus the clock skew, in ms: the replay store TTL. At least 1. */
  readonly replayTtlMs: number;
}

/** `ath` of an access token: base64url(SHA-256(ASCII token)) (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

function refuse(reason: DpopFailureReason, message: string): DpopError {
  return new DpopError('ERR_DPOP_PROOF_INVALID', message, { reason });
}

function decode(proof: unknown, maxBytes: number, headers: HeaderMemo | undefined): DecodedJws {
  try {
    return decodeCompactJws(proof, maxBytes, headers);
  } catch (error) {
    if (isTollgateError(error) && error.code === 'ERR_TOKEN_TOO_LARGE') {
      throw refuse('too-large', `The DPoP proof is over the ${maxBytes}-byte limit (dpop.maxProofBytes).`);
    }
    // The decoder's own message stays in `cause`: it speaks of "the token", which would mislead here.
    throw new DpopError(
      'ERR_DPOP_PROOF_INVALID',
      'The DPoP header must hold one compact JWS: three canonical base64url parts, a JSON header with "alg" and no "crit", and JSON claims.',
      { reason: 'malformed', cause: error },
    );
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Verifies a DPoP proof JWT against the request it came with (RFC 9449
 * section 4.3): a compact JWS within `maxProofBytes`; `typ` exactly
 * `dpop+jwt`; an allowed asymmetric `alg` that fits the embedded `jwk`; a
 * public-only `jwk` as the one key (`jku`, `x5u` and `x5c` are refused; `kid`
 * is ignored, never used to look a key up); a valid signature; `htm` equal to
 * the method; `htu` equal to the request URI after normalization; `iat` no
 * older than `maxAgeSec` and at most `clockSkewSec` ahead; `exp`/`nbf`
 * honoured when present; a `jti` of 1 to `maxJtiChars` characters; `ath`
 * when an access token is given; `nonce` when a nonce check is given.
 * Cheap checks run before the key import and the signature.
 *
 * Does not consult the replay store: call `useProofOnce` after every other
 * check of the request has passed, so refused requests never burn store
 * writes. Throws `DpopError` only: `ERR_DPOP_PROOF_INVALID` (with `reason`)
 * or `ERR_DPOP_NONCE_REQUIRED`.
 *
 * @example
 * const proof = verifyDpopProof(req.headers.dpop, { method: req.method, htu: requestHtu(origin, { target: req.originalUrl }), accessToken, nowMs: Date.now(), policy });
 * await useProofOnce(replayStore, proof);
 */
export function verifyDpopProof(proof: string, expected: DpopProofExpectation): VerifiedDpopProof {
  const { policy, nowMs } = expected;
  const memo = policy.headers;
  const { header, payload, signingInput, signature } = decode(proof, policy.maxProofBytes, memo?.decoded);
  // A header seen before passed every check below and proofKey's (see ProofHeaderMemo).
  const known = memo?.checked.get(header);

  if (known === undefined) {
    if (header.typ !== 'dpop+jwt') throw refuse('typ', 'The DPoP proof header must have "typ": "dpop+jwt".');
    if (!policy.allowed.has(header.alg)) {
      throw refuse(
        'alg',
        `The DPoP proof's alg is not accepted; sign proofs with one of: ${policy.algorithms.join(', ')}.`,
      );
    }
    if (header.jku !== undefined || header.x5u !== undefined || header.x5c !== undefined) {
      throw refuse(
        'key-reference',
        'The DPoP proof names its key by "jku", "x5u" or "x5c"; only the embedded "jwk" is accepted.',
      );
    }
  }
  const alg = header.alg as AsymmetricAlgorithm;

  const { jti, htm, htu, iat, exp, nbf } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > policy.maxJtiChars) {
    throw refuse(
      'jti',
      `The DPoP proof needs a "jti" string of 1 to ${policy.maxJtiChars} characters, unique per proof.`,
    );
  }
  if (htm !== expected.method)
    throw refuse('htm', `The DPoP proof's htm must be the request method, exactly "${expected.method}".`);
  if (typeof htu !== 'string')
    throw refuse('htu', 'The DPoP proof needs an "htu" string: the request URI without query and fragment.');
  if (normalizeHtu(htu) !== expected.htu)
    throw refuse('htu', `The DPoP proof's htu does not match the request URI ${expected.htu}.`);
  if (!isNumericDate(iat)) throw refuse('iat', 'The DPoP proof needs an "iat" number: its creation time in seconds.');
  const iatMs = iat * 1000;
  if (iatMs < nowMs - policy.maxAgeMs) {
    throw refuse(
      'iat',
      `The DPoP proof was made more than ${policy.maxAgeMs / 1000} s ago; make a fresh proof for every request.`,
    );
  }
  if (iatMs > nowMs + policy.clockSkewMs)
    throw refuse('iat', "The DPoP proof's iat is in the future; check the client's clock.");
  let untilMs = iatMs + policy.maxAgeMs;
  if (exp !== undefined) {
    if (!isNumericDate(exp)) throw refuse('exp', 'The DPoP proof\'s "exp" must be a number of seconds.');
    if (nowMs >= exp * 1000 + policy.clockSkewMs)
      throw refuse('exp', 'The DPoP proof has expired (its "exp" has passed).');
    untilMs = Math.min(untilMs, exp * 1000 + policy.clockSkewMs);
  }
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) throw refuse('nbf', 'The DPoP proof\'s "nbf" must be a number of seconds.');
    if (nbf * 1000 > nowMs + policy.clockSkewMs)
      throw refuse('nbf', 'The DPoP proof is not valid yet (its "nbf" is in the future).');
  }
  if (expected.accessToken !== undefined) {
    if (typeof payload.ath !== 'string')
      throw refuse('ath', 'The DPoP proof needs an "ath" claim: the base64url SHA-256 of the access token.');
    if (payload.ath !== accessTokenHash(expected.accessToken))
      throw refuse('ath', "The DPoP proof's ath is not the hash of the access token sent with it.");
  }

  let checked = known;
  if (checked === undefined) {
    checked = proofKey(header.jwk, alg, policy.keys);
    memo?.checked.set(header, checked);
  }
  const { key, jkt } = checked;
  if (!key.verify(alg, signingInput, signature))
    throw refuse('signature', "The DPoP proof's signature does not verify with its jwk.");

  // After the signature, so that `use_dpop_nonce` goes only to a client whose proof is otherwise good.
  const nonce = payload.nonce;
  if (expected.nonce !== undefined && (typeof nonce !== 'string' || !expected.nonce.check(nonce, nowMs))) {
    throw new DpopError(
      'ERR_DPOP_NONCE_REQUIRED',
      nonce === undefined
        ? 'This server requires a nonce in DPoP proofs; retry with the one in the DPoP-Nonce response header.'
        : "The DPoP proof's nonce is unknown or stale; retry with the one in the DPoP-Nonce response header.",
      { reason: 'nonce' },
    );
  }

  return {
    jkt,
    jti,
    iat,
    alg,
    key,
    nonce: typeof nonce === 'string' ? nonce : undefined,
    replayId: `${jkt}:${jti}`,
    replayTtlMs: Math.max(1, Math.ceil(untilMs + policy.clockSkewMs - nowMs)),
  };
}
