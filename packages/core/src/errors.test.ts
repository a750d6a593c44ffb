import { describe, expect, it } from 'vitest';
import { DpopError, StoreUnavailableError } from './errors.js';
import {
  ClaimError,
  ERROR_HTTP,
  KeysUnavailableError,
  TokenError,
  TollgateError,
  isTollgateError,
  type AnyTollgateError,
} from './index.js';

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
    expect([claim.name, claim.claim, claim.reason, claim.expected, claim.expose]).toEqual([
      'ClaimError',
      'aud',
      'mismatch',
      ['a'],
      true,
    ]);
  });

  it('narrows DPoP and replay-store errors, which carry the DPoP OAuth codes and a retry hint', () => {
    const errors: AnyTollgateError[] = [
      new DpopError('ERR_DPOP_NONCE_REQUIRED', 'x', { reason: 'nonce' }),
      new DpopError('ERR_DPOP_PROOF_REPLAYED', 'x', { reason: 'replayed' }),
      new DpopError('ERR_DPOP_REQUEST_INVALID', 'x', { reason: 'request' }),
      new StoreUnavailableError('ERR_REPLAY_STORE_UNAVAILABLE', 'x', { retryAfterSec: 2.5 }),
    ];
    const facts = errors.map((error) => {
      switch (error.code) {
        case 'ERR_DPOP_NONCE_REQUIRED':
        case 'ERR_DPOP_PROOF_REPLAYED':
        case 'ERR_DPOP_REQUEST_INVALID':
          return [error.name, error.reason, error.status, error.bearerError];
        case 'ERR_REPLAY_STORE_UNAVAILABLE':
          return [error.name, error.retryAfterSec, error.status, error.expose];
        default:
          return null;
      }
    });
    expect(facts).toEqual([
      ['DpopError', 'nonce', 401, 'use_dpop_nonce'],
      ['DpopError', 'replayed', 401, 'invalid_dpop_proof'],
      ['DpopError', 'request', 400, 'invalid_request'],
      ['StoreUnavailableError', 3, 503, false],
    ]);
    expect(errors.map((error) => isTollgateError(error))).toEqual([true, true, true, true]);
  });
});
