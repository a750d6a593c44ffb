import type { JwtClaims } from '../compact-jws.js';
import { DpopError } from '../errors.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { RequestFacts } from '../request-facts.js';
import type { ResolvedDpop } from './dpop-options.js';
import { verifyDpopProof, type VerifiedDpopProof } from './dpop-proof.js';
import { requestHtu } from './htu.js';
import { useProofOnce } from './replay-store.js';

/**
 * The proof half of a DPoP request (RFC 9449 section 7.1), checked before the token: exactly one
 * `DPoP` header holding one proof, for this method and URI, for this token. Synchronous and
 * without I/O, so a bad proof never costs a key fetch.
 */
export function checkProof(
  dpop: ResolvedDpop,
  request: RequestFacts,
  accessToken: string,
  nowMs: number,
): VerifiedDpopProof {
  const header = request.header('dpop');
  if (header === undefined)
    throw new DpopError('ERR_DPOP_PROOF_INVALID', 'A DPoP token needs a DPoP proof: send it in the DPoP header.', {
      reason: 'missing',
    });
  if (typeof header !== 'string')
    throw new DpopError(
      'ERR_DPOP_REQUEST_INVALID',
      `The request carries ${header.length} DPoP headers; send exactly one proof.`,
      { reason: 'request' },
    );
  // A proof is a compact JWS, which never holds a comma: a comma means two proofs folded into one header.
  if (header.includes(','))
    throw new DpopError('ERR_DPOP_REQUEST_INVALID', 'The DPoP header holds more than one proof; send exactly one.', {
      reason: 'request',
    });
  const htu = requestHtu(dpop.origin, {
    target: request.url,
    host: dpop.origin.kind === 'request' ? request.header('host') : undefined,
    forwardedProto:
      dpop.origin.kind === 'request' && dpop.origin.forwarded ? request.header('x-forwarded-proto') : undefined,
    forwardedHost:
      dpop.origin.kind === 'request' && dpop.origin.forwarded ? request.header('x-forwarded-host') : undefined,
    encrypted: request.encrypted,
  });
  return verifyDpopProof(header.trim(), {
    method: request.method,
    htu,
    accessToken,
    nonce: dpop.nonces ?? undefined,
    nowMs,
    policy: dpop.policy,
  });
}

/**
 * The token half: the token must be bound to the proof's key (`cnf.jkt`, RFC 9449 section 6.1),
 * and only then is the proof spent in the replay store, so refused requests never fill it.
 */
export function bindAndSpend(dpop: ResolvedDpop, claims: JwtClaims, proof: VerifiedDpopProof): MaybePromise<void> {
  const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (jkt !== proof.jkt) {
    throw new DpopError(
      'ERR_DPOP_BINDING_MISMATCH',
      jkt === undefined
        ? 'The token is not bound to a DPoP key (no cnf.jkt); send it as Bearer, or get a DPoP-bound token.'
        : "The token is bound to another key than the DPoP proof's.",
      { reason: 'binding' },
    );
  }
  return useProofOnce(dpop.replayStore, proof);
}
