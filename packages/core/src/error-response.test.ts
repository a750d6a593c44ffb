import { describe, expect, it } from 'vitest';
import { bearerChallenge } from './challenge.js';
import { errorResponse, toHttpError } from './error-response.js';
import { ClaimError, DpopError, KeysUnavailableError, StoreUnavailableError, TokenError } from './errors.js';
import { StepUpError } from './step-up.js';
import type { VerifiedToken } from './verifier.js';
import { requireScopes } from './guards.js';

describe('errorResponse', () => {
  it('answers a missing token with 401 and a challenge without error code', () => {
    const r = errorResponse(new TokenError('ERR_TOKEN_MISSING', 'x'), { realm: 'orders' });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="orders"');
    expect(r.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication is required.',
      code: 'ERR_TOKEN_MISSING',
    });
  });

  it('answers a bad token with invalid_token and a safe description', () => {
    const r = errorResponse(
      new ClaimError('ERR_CLAIM_EXPIRED', 'Token has expired; obtain a new one.', { claim: 'exp', reason: 'expired' }),
      { realm: 'api' },
    );
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="Token has expired; obtain a new one."',
    );
  });

  it('answers missing scopes with 403 insufficient_scope naming the scope', () => {
    let error: unknown;
    try {
      // The scope check is synchronous: it throws, it never returns a promise.
      void requireScopes('orders:read', 'orders:write')({ claims: { scope: 'orders:read' } } as VerifiedToken);
    } catch (e) {
      error = e;
    }
    const r = errorResponse(error as ClaimError, { realm: 'api' });
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:write.", scope="orders:read orders:write"',
    );
  });

  it('answers unavailable keys with 503 and Retry-After, hiding internals', () => {
    const r = errorResponse(
      new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'connect ECONNREFUSED 10.0.0.7:443', { retryAfterSec: 4.2 }),
    );
    expect(r.status).toBe(503);
    expect(r.headers).toEqual({ 'retry-after': '5' });
    expect(JSON.stringify(r.body)).not.toContain('10.0.0.7');
  });

  it('answers invalid requests with 400 invalid_request', () => {
    const r = errorResponse(
      new TokenError('ERR_TOKEN_REQUEST_INVALID', 'The Authorization header is malformed; use "Bearer <token>".'),
    );
    expect(r.status).toBe(400);
    expect(r.headers['www-authenticate']).toBe(
      'Bearer error="invalid_request", error_description="The Authorization header is malformed; use \\"Bearer <token>\\"."',
    );
  });

  it('escapes quotes and drops control characters in challenges', () => {
    expect(bearerChallenge({ realm: 'a"b\\c\r\nd', error: 'invalid_token' })).toBe(
      'Bearer realm="a\\"b\\\\cd", error="invalid_token"',
    );
  });
});

describe('toHttpError', () => {
  it('adds what framework error pipelines read, and never exposes 5xx messages', () => {
    const bad = toHttpError(new TokenError('ERR_TOKEN_MALFORMED', 'Token must be a compact JWS.'), { realm: 'api' });
    expect([bad.statusCode, bad.expose, bad.headers['www-authenticate']]).toEqual([
      401,
      true,
      'Bearer realm="api", error="invalid_token", error_description="Token must be a compact JWS."',
    ]);
    const down = toHttpError(
      new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'https://internal/jwks failed', { retryAfterSec: 3 }),
    );
    expect([down.statusCode, down.expose, down.headers]).toEqual([503, false, { 'retry-after': '3' }]);
  });

  it('requireScopes() without scopes fails where the route is declared', () => {
    expect(() => requireScopes()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('errorResponse with DPoP, step-up and RFC 9728 context', () => {
  const dpopOnly = { realm: 'api', schemes: ['DPoP'], dpopAlgs: ['ES256', 'EdDSA'] } as const;
  const both = { realm: 'api', schemes: ['Bearer', 'DPoP'], dpopAlgs: ['ES256'] } as const;

  it('offers every scheme without an error code when credentials are missing, each with resource_metadata', () => {
    const r = errorResponse(new TokenError('ERR_TOKEN_MISSING', 'x'), {
      ...both,
      resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
    });
    expect(r.headers['www-authenticate']).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", DPoP realm="api", algs="ES256", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
  });

  it('puts the error on the challenge of the scheme the request used', () => {
    const error = new DpopError('ERR_DPOP_PROOF_INVALID', 'The DPoP proof has expired.', { reason: 'iat' });
    expect(errorResponse(error, { ...both, scheme: 'DPoP' }).headers['www-authenticate']).toBe(
      'Bearer realm="api", DPoP realm="api", algs="ES256", error="invalid_dpop_proof", error_description="The DPoP proof has expired."',
    );
    const bearer = new TokenError('ERR_TOKEN_MALFORMED', 'bad');
    expect(errorResponse(bearer, { ...both, scheme: 'Bearer' }).headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="bad", DPoP realm="api", algs="ES256"',
    );
  });

  it('answers use_dpop_nonce with a DPoP-Nonce header', () => {
    const r = errorResponse(new DpopError('ERR_DPOP_NONCE_REQUIRED', 'Retry with the nonce.', { reason: 'nonce' }), {
      ...dpopOnly,
      scheme: 'DPoP',
      dpopNonce: 'n-1',
    });
    expect(r).toMatchObject({
      status: 401,
      headers: {
        'dpop-nonce': 'n-1',
        'www-authenticate':
          'DPoP realm="api", algs="ES256 EdDSA", error="use_dpop_nonce", error_description="Retry with the nonce."',
      },
    });
  });

  it('tells a client what to step up to (RFC 9470)', () => {
    const error = new StepUpError('Log in again.', {
      claim: 'acr',
      reason: 'insufficient',
      acrValues: ['urn:example:mfa'],
      maxAgeSec: 300,
    });
    expect(errorResponse(error, { realm: 'api' })).toMatchObject({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="api", error="insufficient_user_authentication", error_description="Log in again.", acr_values="urn:example:mfa", max_age=300',
      },
      body: { error: 'insufficient_user_authentication', code: 'ERR_CLAIM_AUTH_LEVEL_INSUFFICIENT' },
    });
  });

  it('says which shared store is down on a replay-store 503', () => {
    const r = errorResponse(
      new StoreUnavailableError('ERR_REPLAY_STORE_UNAVAILABLE', 'redis://10.0.0.9 timed out', { retryAfterSec: 2 }),
    );
    expect(r).toEqual({
      status: 503,
      headers: { 'retry-after': '2' },
      body: {
        error: 'temporarily_unavailable',
        error_description: 'Proof replay protection is temporarily unavailable; retry later.',
        code: 'ERR_REPLAY_STORE_UNAVAILABLE',
      },
    });
  });
});
