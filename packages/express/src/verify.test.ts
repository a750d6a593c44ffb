import { ClaimError, KeysUnavailableError, TokenError, type Verifier } from '@tollgate/core';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { fakeVerifier, rawAuthorization, TOKEN } from '../../core/src/testing/adapter-fixtures.js';
import { requireScopes, toMiddleware, verify } from './index.js';

function fakeReq(authorization?: string | string[]): Request {
  return {
    method: 'GET',
    rawHeaders: rawAuthorization(authorization),
    originalUrl: '/orders',
  } as unknown as Request;
}

function fakeRes(headersSent = false) {
  const sent: { status?: number; headers?: Record<string, string>; body?: unknown } = {};
  const res = {
    // Express gives every response a null-prototype `locals`; the gate of verify() waits there for the guards.
    locals: Object.create(null) as Record<PropertyKey, unknown>,
    headersSent,
    status: (status: number) => ((sent.status = status), res),
    set: (headers: Record<string, string>) => ((sent.headers = headers), res),
    json: (body: unknown) => ((sent.body = body), res),
  };
  return { res: res as unknown as Response, sent };
}

/** Runs a middleware and resolves with what it passed to next() once it settled. */
function run(
  middleware: (req: Request, res: Response, next: NextFunction) => unknown,
  req: Request,
  res: Response,
): Promise<{ returned: unknown; nextArgs: unknown[] | undefined }> {
  return new Promise((resolve) => {
    let nextArgs: unknown[] | undefined;
    const next = ((...args: unknown[]) => (nextArgs = args)) as NextFunction;
    const returned = middleware(req, res, next);
    setTimeout(() => resolve({ returned, nextArgs }), 10);
  });
}

describe('verify()', () => {
  it('never returns a promise (Express 4 would drop its rejection), and attaches the token', async () => {
    const req = fakeReq('Bearer abc');
    const { returned, nextArgs } = await run(verify(fakeVerifier(() => Promise.resolve(TOKEN))), req, fakeRes().res);
    expect(returned).toBeUndefined();
    expect(nextArgs).toEqual([]);
    expect(req.auth).toEqual({ ...TOKEN, binding: 'bearer' });
  });

  it('answers a refusal itself and does not call next', async () => {
    const { res, sent } = fakeRes();
    const middleware = verify(
      fakeVerifier(() => Promise.reject(new TokenError('ERR_TOKEN_SIGNATURE_INVALID', 'bad signature'))),
      { realm: 'orders' },
    );
    const { returned, nextArgs } = await run(middleware, fakeReq('Bearer abc'), res);
    expect(returned).toBeUndefined();
    expect(nextArgs).toBeUndefined();
    expect(sent).toEqual({
      status: 401,
      headers: {
        'www-authenticate': 'Bearer realm="orders", error="invalid_token", error_description="bad signature"',
      },
      body: { error: 'invalid_token', error_description: 'bad signature', code: 'ERR_TOKEN_SIGNATURE_INVALID' },
    });
  });

  it('reads every Authorization header, so repeats are refused', async () => {
    const verifyToken = vi.fn(() => Promise.resolve(TOKEN));
    const { res, sent } = fakeRes();
    await run(verify(fakeVerifier(verifyToken)), fakeReq(['Bearer a', 'Bearer b']), res);
    expect(verifyToken).not.toHaveBeenCalled();
    expect(sent.status).toBe(400);
  });

  it('passErrors: next(err) with status, statusCode, headers; 5xx not exposed', async () => {
    const unavailable = new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', 'Fetching http://10.0.0.1/jwks failed', {
      retryAfterSec: 7,
    });
    const { nextArgs } = await run(
      verify(
        fakeVerifier(() => Promise.reject(unavailable)),
        { passErrors: true },
      ),
      fakeReq('Bearer abc'),
      fakeRes().res,
    );
    expect(nextArgs).toEqual([unavailable]);
    expect(unavailable).toMatchObject({ status: 503, statusCode: 503, headers: { 'retry-after': '7' }, expose: false });
  });

  it('hands the error to next() when headers were already sent', async () => {
    const error = new TokenError('ERR_TOKEN_MALFORMED', 'bad');
    const { nextArgs } = await run(
      verify(fakeVerifier(() => Promise.reject(error))),
      fakeReq('Bearer abc'),
      fakeRes(true).res,
    );
    expect(nextArgs).toEqual([error]);
  });

  it('onError that throws synchronously reaches next(err)', async () => {
    const broken = new Error('renderer broke');
    const middleware = verify(
      fakeVerifier(() => Promise.reject(new TokenError('ERR_TOKEN_MALFORMED', 'bad'))),
      {
        onError: () => {
          throw broken;
        },
      },
    );
    expect((await run(middleware, fakeReq('Bearer abc'), fakeRes().res)).nextArgs).toEqual([broken]);
  });

  it('exposes and shares the given verifier', () => {
    const verifier = fakeVerifier(() => Promise.resolve(TOKEN));
    expect(verify(verifier).verifier).toBe(verifier);
    expect(verify(verifier, { credentialsOptional: true }).verifier).toBe(verifier);
  });

  it('refuses contradictory or invalid adapter options at start-up', () => {
    const verifier = fakeVerifier(() => Promise.resolve(TOKEN));
    expect(() => verify(verifier, { passErrors: true, onError: () => undefined })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', options: ['onError', 'passErrors'] }),
    );
    expect(() => verify(verifier, { onError: 'log' as never })).toThrow(
      expect.objectContaining({ options: ['onError'] }),
    );
    expect(() => verify(verifier, { realm: 42 as never })).toThrow(expect.objectContaining({ options: ['realm'] }));
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

  it('refuses bad verifier options synchronously', () => {
    expect(() => verify({ issuer: 'https://issuer.test', audience: 'orders-api', algorithms: ['HS256'] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });
});

describe('guards', () => {
  const authed = () => Object.assign(fakeReq(), { auth: TOKEN }) as Request;

  it('continue synchronously when a synchronous check passes', () => {
    const next = vi.fn();
    expect(requireScopes('orders:read')(authed(), fakeRes().res, next)).toBeUndefined();
    expect(next).toHaveBeenCalledWith();
  });

  it('answer 403 with the needed scope', () => {
    const { res, sent } = fakeRes();
    requireScopes('orders:write')(authed(), res, vi.fn());
    expect(sent.status).toBe(403);
    expect(sent.headers).toEqual({
      'www-authenticate':
        'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:write.", scope="orders:write"',
    });
  });

  it('answer the way the verify() before them was configured', async () => {
    // One request, one response, as Express passes them down the chain.
    const req = fakeReq('Bearer abc');
    const { res } = fakeRes();
    await run(
      verify(
        fakeVerifier(() => Promise.resolve(TOKEN)),
        { passErrors: true },
      ),
      req,
      res,
    );
    const { nextArgs } = await run(requireScopes('orders:write'), req, res);
    expect(nextArgs?.[0]).toBeInstanceOf(ClaimError);
    expect(nextArgs?.[0]).toMatchObject({
      statusCode: 403,
      headers: { 'www-authenticate': expect.stringContaining('scope="orders:write"') },
    });
  });

  it('toMiddleware settles async checks without returning a promise', async () => {
    const { returned, nextArgs } = await run(
      toMiddleware(() => Promise.resolve()),
      authed(),
      fakeRes().res,
    );
    expect(returned).toBeUndefined();
    expect(nextArgs).toEqual([]);
  });
});
