import { describe, expect, it } from 'vitest';
import { bearerChallenge, errorResponse, extractToken, toHttpError } from './bearer.js';
import { ClaimError, KeysUnavailableError, TokenError } from './errors.js';
import { requireClaims, requireScopes } from './guards.js';
import type { VerifiedToken } from './verifier.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('extractToken', () => {
  it('reads Authorization: Bearer with any scheme casing', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) expect(extractToken({ authorization: `${scheme} ${T}` })).toBe(T);
    expect(extractToken({ authorization: [`Bearer ${T}`] })).toBe(T);
  });

  it('treats no header and other schemes as no token', () => {
    expect(extractToken({ authorization: undefined })).toBeUndefined();
    expect(extractToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
  });

  it.each([
    ['an empty bearer', 'Bearer'],
    ['a bearer with spaces only', 'Bearer    '],
    ['a token with a space inside', `Bearer ${T} extra`],
    ['a token with invalid characters', 'Bearer a,b'],
  ])('refuses %s as invalid_request', (_name, authorization) => {
    expect(() => extractToken({ authorization })).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID', status: 400 }));
  });

  it('refuses repeated Authorization headers and tokens in two places', () => {
    expect(() => extractToken({ authorization: [`Bearer ${T}`, `Bearer ${T}`] })).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID' }));
    expect(() => extractToken({ authorization: `Bearer ${T}`, url: `/x?access_token=${T}` }, { query: 'access_token' })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID' }),
    );
  });

  it('reads cookies and query parameters only when configured', () => {
    expect(extractToken({ authorization: undefined, url: `/x?access_token=${T}` })).toBeUndefined();
    expect(extractToken({ authorization: undefined, url: `/x?access_token=${T}` }, { query: 'access_token' })).toBe(T);
    expect(extractToken({ authorization: undefined, cookie: `a=1; session=${T}` })).toBeUndefined();
    expect(extractToken({ authorization: undefined, cookie: `a=1; session=${T}` }, { cookie: 'session' })).toBe(T);
  });

  it('refuses an oversized header', () => {
    expect(() => extractToken({ authorization: `Bearer ${'a'.repeat(20_000)}` })).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_TOO_LARGE' }));
  });
});

describe('errorResponse', () => {
  it('answers a missing token with 401 and a challenge without error code', () => {
    const r = errorResponse(new TokenError('ERR_TOKEN_MISSING', 'x'), { realm: 'orders' });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="orders"');
    expect(r.body).toEqual({ error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' });
  });

  it('answers a bad token with invalid_token and a safe description', () => {
    const r = errorResponse(new ClaimError('ERR_CLAIM_EXPIRED', 'Token has expired; obtain a new one.', { claim: 'exp', reason: 'expired' }), { realm: 'api' });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="Token has expired; obtain a new one."');
  });

  it('answers missing scopes with 403 insufficient_scope naming the scope', () => {
    let error: unknown;
    try {
      requireScopes('orders:read', 'orders:write')({ claims: { scope: 'orders:read' } } as VerifiedToken);
    } catch (e) {
      error = e;
    }
    const r = errorResponse(error as ClaimError, { realm: 'api' });
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:write.", scope="orders:read orders:write"');
  });

  it('answers unavailable keys with 503 and Retry-After, hiding internals', () => {
    const r = errorResponse(new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'connect ECONNREFUSED 10.0.0.7:443', { retryAfterSec: 4.2 }));
    expect(r.status).toBe(503);
    expect(r.headers).toEqual({ 'retry-after': '5' });
    expect(JSON.stringify(r.body)).not.toContain('10.0.0.7');
  });

  it('answers invalid requests with 400 invalid_request', () => {
    const r = errorResponse(new TokenError('ERR_TOKEN_REQUEST_INVALID', 'The Authorization header is malformed; use "Bearer <token>".'));
    expect(r.status).toBe(400);
    expect(r.headers['www-authenticate']).toBe('Bearer error="invalid_request", error_description="The Authorization header is malformed; use \\"Bearer <token>\\"."');
  });

  it('escapes quotes and drops control characters in challenges', () => {
    expect(bearerChallenge({ realm: 'a"b\\c\r\nd', error: 'invalid_token' })).toBe('Bearer realm="a\\"b\\\\cd", error="invalid_token"');
  });
});

describe('guards', () => {
  const auth = (claims: Record<string, unknown>) => ({ claims }) as VerifiedToken;
  it('requireScopes reads the scope string and the scp array', () => {
    expect(() => requireScopes('a', 'b')(auth({ scope: 'a b c' }))).not.toThrow();
    expect(() => requireScopes('a b')(auth({ scp: ['a', 'b'] }))).not.toThrow();
    expect(() => requireScopes('a')(auth({ scope: 'ab' }))).toThrow(expect.objectContaining({ code: 'ERR_CLAIM_SCOPE_INSUFFICIENT', status: 403 }));
    expect(() => requireScopes('a')(undefined)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MISSING', status: 401 }));
  });

  it('requireClaims refuses with 403 when the predicate is not true', async () => {
    const admin = requireClaims((c) => c.role === 'admin');
    await expect(admin(auth({ role: 'admin' }))).resolves.toBeUndefined();
    await expect(admin(auth({ role: 'user' }))).rejects.toMatchObject({ code: 'ERR_CLAIM_FORBIDDEN', status: 403, bearerError: 'insufficient_scope' });
  });
});

describe('toHttpError', () => {
  it('adds what framework error pipelines read, and never exposes 5xx messages', () => {
    const bad = toHttpError(new TokenError('ERR_TOKEN_MALFORMED', 'Token must be a compact JWS.'), { realm: 'api' });
    expect([bad.statusCode, bad.expose, bad.headers['www-authenticate']]).toEqual([401, true, 'Bearer realm="api", error="invalid_token", error_description="Token must be a compact JWS."']);
    const down = toHttpError(new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'https://internal/jwks failed', { retryAfterSec: 3 }));
    expect([down.statusCode, down.expose, down.headers]).toEqual([503, false, { 'retry-after': '3' }]);
  });

  it('requireScopes() without scopes fails where the route is declared', () => {
    expect(() => requireScopes()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});
