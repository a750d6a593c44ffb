import { KeysUnavailableError, TokenError, type Verifier } from '@tollgate/core';
import type { Context } from 'koa';
import { describe, expect, it, vi } from 'vitest';
import { fakeVerifier, rawAuthorization, TOKEN } from '../../core/src/testing/adapter-fixtures.js';
import { requireScopes, toMiddleware, verify } from './index.js';

function fakeCtx(authorization?: string | string[]) {
  const headers: Record<string, string> = {};
  const ctx = {
    req: { method: 'GET', rawHeaders: rawAuthorization(authorization) },
    originalUrl: '/orders',
    state: {} as Record<string, unknown>,
    status: 404,
    body: undefined as unknown,
    set: (h: Record<string, string>) => Object.assign(headers, h),
  };
  return { ctx: ctx as unknown as Context, headers };
}

describe('verify()', () => {
  it('is a named middleware returning a promise that attaches ctx.state.auth and calls next', async () => {
    const middleware = verify(fakeVerifier(() => Promise.resolve(TOKEN)));
    const { ctx } = fakeCtx('Bearer abc');
    const next = vi.fn(() => Promise.resolve());
    await middleware(ctx, next);
    expect(middleware.name).toBe('tollgate');
    expect(ctx.state.auth).toEqual({ ...TOKEN, binding: 'bearer' });
    expect(next).toHaveBeenCalledOnce();
  });

  it('answers a refusal with the RFC 6750 JSON response and stops', async () => {
    const { ctx, headers } = fakeCtx('Bearer abc');
    const next = vi.fn();
    await verify(
      fakeVerifier(() => Promise.reject(new TokenError('ERR_TOKEN_SIGNATURE_INVALID', 'bad signature'))),
      { realm: 'orders' },
    )(ctx, next);
    expect(next).not.toHaveBeenCalled();
    expect({ status: ctx.status, body: ctx.body, headers }).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'bad signature', code: 'ERR_TOKEN_SIGNATURE_INVALID' },
      headers: {
        'www-authenticate': 'Bearer realm="orders", error="invalid_token", error_description="bad signature"',
      },
    });
  });

  it('passErrors: throws the typed error with status, headers and expose', async () => {
    const unavailable = new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'Fetching http://10.0.0.1/jwks failed', {
      retryAfterSec: 7,
    });
    const middleware = verify(
      fakeVerifier(() => Promise.reject(unavailable)),
      { passErrors: true },
    );
    await expect(middleware(fakeCtx('Bearer abc').ctx, vi.fn())).rejects.toBe(unavailable);
    expect(unavailable).toMatchObject({ status: 503, statusCode: 503, headers: { 'retry-after': '7' }, expose: false });
  });

  it('lets errors of downstream middleware through untouched', async () => {
    const boom = new TokenError('ERR_TOKEN_MALFORMED', 'thrown downstream');
    const { ctx } = fakeCtx('Bearer abc');
    await expect(verify(fakeVerifier(() => Promise.resolve(TOKEN)))(ctx, () => Promise.reject(boom))).rejects.toBe(
      boom,
    );
    expect(ctx.body).toBeUndefined();
  });

  it('refuses unknown options at start-up, suggesting the known name', () => {
    const verifier = fakeVerifier(() => Promise.resolve(TOKEN));
    expect(() => verify(verifier, { credentialOptional: true } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        options: ['credentialOptional'],
        message:
          'Invalid verify() options:\n  - credentialOptional is not a known option; did you mean credentialsOptional?',
      }),
    );
    expect(() => verify(undefined, { audience: 'orders' } as never)).toThrow(
      expect.objectContaining({
        options: ['audience'],
        message: expect.stringContaining('audience is a verifier option: pass it in the first argument'),
      }),
    );
  });

  it('warmOnStart starts fetching keys at once, in the background; a failure neither throws nor rejects', async () => {
    const ready = vi.fn(() => Promise.reject(new Error('JWKS down')));
    const verifier = { ...fakeVerifier(() => Promise.resolve(TOKEN)), ready } as Verifier;
    verify(verifier);
    expect(ready).not.toHaveBeenCalled();
    const middleware = verify(verifier, { warmOnStart: true });
    expect(ready).toHaveBeenCalledOnce();
    expect(middleware.verifier).toBe(verifier);
    await new Promise((resolve) => setImmediate(resolve)); // an unhandled rejection would fail the test run here
  });

  it('exposes the given verifier and refuses contradictory options at start-up', () => {
    const verifier = fakeVerifier(() => Promise.resolve(TOKEN));
    expect(verify(verifier).verifier).toBe(verifier);
    expect(() => verify(verifier, { passErrors: true, onError: () => undefined })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', options: ['onError', 'passErrors'] }),
    );
    expect(() => verify(verifier, { realm: 42 as never })).toThrow(expect.objectContaining({ options: ['realm'] }));
  });
});

describe('guards', () => {
  it('answer like the verify() before them (onError)', async () => {
    const onError = vi.fn();
    const { ctx } = fakeCtx('Bearer abc');
    await verify(
      fakeVerifier(() => Promise.resolve(TOKEN)),
      { onError },
    )(ctx, async () => {
      await requireScopes('orders:write')(ctx, vi.fn());
    });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'ERR_CLAIM_SCOPE_INSUFFICIENT' }), ctx);
  });

  it('refuse a request without auth with 401 when no verify() ran', async () => {
    const { ctx, headers } = fakeCtx();
    const next = vi.fn();
    await toMiddleware(() => undefined)(ctx, next);
    await requireScopes('orders:read')(ctx, next);
    expect(next).toHaveBeenCalledOnce(); // the first check passes even without auth: it checks nothing
    expect({ status: ctx.status, headers }).toEqual({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    });
  });
});
