import { describe, expect, it } from 'vitest';
import { ClaimError, ERROR_HTTP, KeysUnavailableError, TokenError, TollgateError, isTollgateError, type AnyTollgateError } from './index.js';

describe('errors', () => {
  it('takes status and bearer error from the one table', () => {
    for (const [code, http] of Object.entries(ERROR_HTTP)) {
      const error = new TollgateError(code as keyof typeof ERROR_HTTP, 'x');
      expect([error.status, error.bearerError]).toEqual([http.status, http.bearerError]);
    }
  });

  it('recognises errors from another copy of the package', () => {
    // A second copy has its own classes; the Symbol.for brand survives that.
    class Foreign extends Error {
      readonly code = 'ERR_CLAIM_EXPIRED';
      get [Symbol.for('tollgate.error')]() {
        return true;
      }
    }
    expect(isTollgateError(new Foreign())).toBe(true);
    expect(isTollgateError(new TokenError('ERR_TOKEN_MALFORMED', 'x'))).toBe(true);
    expect(isTollgateError(new Error('x'))).toBe(false);
    expect(isTollgateError({ code: 'ERR_TOKEN_MALFORMED' })).toBe(false);
    expect(isTollgateError(null)).toBe(false);
  });

  it('narrows by code', () => {
    const error: AnyTollgateError = new KeysUnavailableError('ERR_JWKS_UNAVAILABLE', 'x', { retryAfterSec: 0.2 });
    switch (error.code) {
      case 'ERR_JWKS_UNAVAILABLE':
        expect(error.retryAfterSec).toBe(1);
        break;
      default:
        throw new Error('not narrowed');
    }
    const claim = new ClaimError('ERR_CLAIM_MISMATCH', 'x', { claim: 'aud', reason: 'mismatch', expected: ['a'] });
    expect([claim.name, claim.claim, claim.reason, claim.expected, claim.expose]).toEqual(['ClaimError', 'aud', 'mismatch', ['a'], true]);
  });
});
