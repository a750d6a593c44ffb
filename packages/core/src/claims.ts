import type { JwtClaims, ProtectedHeader } from './compact-jws.js';
import { ClaimError } from './errors.js';
import { normalizeTyp, type ResolvedClaimPolicy } from './resolve-options.js';

function numericDate(payload: JwtClaims, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ClaimError('ERR_CLAIM_INVALID', `Claim "${claim}" must be a NumericDate (seconds since the epoch).`, {
      claim,
      reason: 'invalid-type',
    });
  }
  return value;
}

/**
 * The claim policy as a pure function of header, payload, policy and time:
 * no I/O, so every rule is testable without a network. Throws `ClaimError`.
 */
export function checkClaims(
  header: ProtectedHeader,
  payload: JwtClaims,
  policy: ResolvedClaimPolicy,
  nowSec: number,
): void {
  const tolerance = policy.clockToleranceSec;

  if (policy.typ !== null) {
    if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== policy.typ) {
      throw new ClaimError('ERR_CLAIM_MISMATCH', `Token header "typ" must be "${policy.typ}".`, {
        claim: 'typ',
        reason: header.typ === undefined ? 'missing' : 'mismatch',
        expected: policy.typ,
      });
    }
  }

  if (policy.issuer !== undefined && payload.iss !== policy.issuer) {
    throw new ClaimError('ERR_CLAIM_MISMATCH', `Token "iss" is not the expected issuer ${policy.issuer}.`, {
      claim: 'iss',
      reason: payload.iss === undefined ? 'missing' : 'mismatch',
      expected: policy.issuer,
    });
  }

  const exp = numericDate(payload, 'exp');
  if (exp === undefined) {
    if (policy.requireExp)
      throw new ClaimError('ERR_CLAIM_MISSING', 'Token has no "exp" claim; tokens without an expiry are refused.', {
        claim: 'exp',
        reason: 'missing',
      });
  } else if (nowSec - tolerance >= exp) {
    throw new ClaimError('ERR_CLAIM_EXPIRED', 'Token has expired; obtain a new one.', {
      claim: 'exp',
      reason: 'expired',
    });
  }

  const nbf = numericDate(payload, 'nbf');
  if (nbf !== undefined && nowSec + tolerance < nbf) {
    throw new ClaimError('ERR_CLAIM_NOT_YET_VALID', 'Token is not valid yet ("nbf" is in the future).', {
      claim: 'nbf',
      reason: 'not-yet-valid',
    });
  }

  const iat = numericDate(payload, 'iat');
  if (iat !== undefined && nowSec + tolerance < iat) {
    throw new ClaimError(
      'ERR_CLAIM_NOT_YET_VALID',
      'Token was issued in the future ("iat"); check the issuer\'s clock.',
      { claim: 'iat', reason: 'not-yet-valid' },
    );
  }
  if (policy.maxTokenAgeSec !== null) {
    if (iat === undefined)
      throw new ClaimError('ERR_CLAIM_MISSING', 'Token has no "iat" claim, required to enforce maxTokenAgeSec.', {
        claim: 'iat',
        reason: 'missing',
      });
    if (nowSec - tolerance > iat + policy.maxTokenAgeSec) {
      throw new ClaimError('ERR_CLAIM_TOO_OLD', `Token is older than ${policy.maxTokenAgeSec} s; obtain a new one.`, {
        claim: 'iat',
        reason: 'too-old',
      });
    }
  }

  if (policy.audience !== null) checkAudience(payload.aud, policy.audience);

  for (const claim of policy.requiredClaims) {
    // Own members only: `constructor`, `toString` or `__proto__` must not pass as present through the prototype.
    if (!Object.hasOwn(payload, claim))
      throw new ClaimError('ERR_CLAIM_MISSING', `Token has no "${claim}" claim, which is required.`, {
        claim,
        reason: 'missing',
      });
  }
}

function checkAudience(aud: unknown, expected: readonly string[]): void {
  if (aud === undefined) {
    throw new ClaimError('ERR_CLAIM_MISSING', 'Token has no "aud" claim.', {
      claim: 'aud',
      reason: 'missing',
      expected,
    });
  }
  if (!(typeof aud === 'string' ? expected.includes(aud) : namesAny(aud, expected))) {
    throw new ClaimError('ERR_CLAIM_MISMATCH', 'Token "aud" does not name this service.', {
      claim: 'aud',
      reason: 'mismatch',
      expected,
    });
  }
}

/** Whether the array `aud` names one of `expected`; throws unless it is an array of strings. */
function namesAny(aud: unknown, expected: readonly string[]): boolean {
  if (!Array.isArray(aud)) throw invalidAudience();
  let found = false;
  for (const a of aud as unknown[]) {
    if (typeof a !== 'string') throw invalidAudience();
    if (!found && expected.includes(a)) found = true;
  }
  return found;
}

function invalidAudience(): ClaimError {
  return new ClaimError('ERR_CLAIM_INVALID', 'Token "aud" must be a string or an array of strings.', {
    claim: 'aud',
    reason: 'invalid-type',
  });
}
