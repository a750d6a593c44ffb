import { describe, expect, it } from 'vitest';
import { dpopChallenge } from './dpop-challenge.js';

describe('dpopChallenge', () => {
  it('builds RFC 9449 challenges', () => {
    expect(dpopChallenge({ algs: ['ES256', 'PS256'] })).toBe('DPoP algs="ES256 PS256"');
    expect(
      dpopChallenge({
        realm: 'api',
        algs: ['ES256'],
        error: 'invalid_dpop_proof',
        description: 'The DPoP proof was already used.',
      }),
    ).toBe(
      'DPoP realm="api", algs="ES256", error="invalid_dpop_proof", error_description="The DPoP proof was already used."',
    );
    expect(dpopChallenge({ algs: ['ES256'], error: 'insufficient_scope', scope: 'orders:write' })).toBe(
      'DPoP algs="ES256", error="insufficient_scope", scope="orders:write"',
    );
    expect(dpopChallenge({ algs: [], description: 'dropped without an error' })).toBe('DPoP');
  });

  it('escapes quotes and backslashes and drops CR/LF and non-ASCII, so no value can break the header', () => {
    const value = dpopChallenge({
      algs: ['ES256'],
      error: 'use_dpop_nonce',
      description: 'htu "https://x/\\a"\r\nSet-Cookie: a=b \u00e9',
    });
    expect(value).toBe(
      'DPoP algs="ES256", error="use_dpop_nonce", error_description="htu \\"https://x/\\\\a\\"Set-Cookie: a=b "',
    );
    expect(value).not.toMatch(/[\r\n\u0080-\uffff]/);
  });
});
