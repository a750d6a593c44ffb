// The HTTP surface of every adapter, probed with raw requests against real servers on 127.0.0.1:
// refusals never echo the token, a stack trace or internal details; oversized and repeated
// Authorization headers are refused cleanly and the server keeps serving; query-string and
// form-body tokens are ignored unless a location is configured.
import 'reflect-metadata';
import { connect } from 'node:net';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createVerifier, type TokenLocations, type Verifier } from '@tollgate/core';
import { requireScopes as expressScopes, verify as expressVerify } from '@tollgate/express';
import { requireScopes as koaScopes, verify as koaVerify } from '@tollgate/koa';
import { Auth, Scopes, TollgateGuard, TollgateModule, type JwtClaims } from '@tollgate/nestjs';
import express from 'express';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { bootNest, PLATFORMS } from '../fixtures/nest-support/index.js';
import { bearer, request, type TestResponse } from '../support/http.js';
import { listen, startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';
import { nodeListener } from '../support/node-listener.js';

interface AppOptions {
  readonly verifier: Verifier;
  readonly locations?: TokenLocations;
}

interface Running {
  readonly url: string;
  close(): Promise<void>;
}

interface Stack {
  readonly name: string;
  start(options: AppOptions): Promise<Running>;
}

// Every app: GET /me and POST /me answer the subject, GET /orders needs the scope orders:read.
const EXPRESS: Stack = {
  name: 'express',
  start: async ({ verifier, locations }) => {
    const app = express();
    app.use(expressVerify(verifier, { locations }));
    app.get('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
    app.post('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
    app.get('/orders', expressScopes('orders:read'), (_req, res) => void res.json({ ok: true }));
    return listen(app);
  },
};

const KOA: Stack = {
  name: 'koa',
  start: async ({ verifier, locations }) => {
    const app = new Koa();
    const orders = koaScopes('orders:read');
    app.use(koaVerify(verifier, { locations }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/orders') await orders(ctx, () => Promise.resolve(void (ctx.body = { ok: true })));
      else if (ctx.path === '/me') ctx.body = { sub: ctx.state.auth?.claims.sub };
      else await next();
    });
    return listen(nodeListener(app.callback()));
  },
};

@Controller('me')
class MeController {
  @Get()
  get(@Auth('claims') claims: JwtClaims) {
    return { sub: claims.sub };
  }

  @Post()
  post(@Auth('claims') claims: JwtClaims) {
    return { sub: claims.sub };
  }
}

@Controller('orders')
class OrdersController {
  @Scopes('orders:read')
  @Get()
  list() {
    return { ok: true };
  }
}

const NEST: Stack[] = PLATFORMS.map(({ platform, adapter }) => ({
  name: `nestjs (platform-${platform})`,
  start: async ({ verifier, locations }) => {
    @Module({
      imports: [TollgateModule.forRoot({ verifier, ...(locations === undefined ? {} : { locations }) })],
      controllers: [MeController, OrdersController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class AppModule {}
    const { app, url } = await bootNest(AppModule, adapter());
    return { url, close: () => app.close() };
  },
}));

/** `passErrors`: rendering is left to the framework's own error pipeline. */
const PASS_ERRORS: Stack[] = [
  {
    name: "express, passErrors to Express's default handler (env production)",
    start: async ({ verifier, locations }) => {
      const app = express();
      app.set('env', 'production');
      app.use(expressVerify(verifier, { locations, passErrors: true }));
      app.get('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
      app.post('/me', (req, res) => void res.json({ sub: req.auth?.claims.sub }));
      app.get('/orders', expressScopes('orders:read'), (_req, res) => void res.json({ ok: true }));
      return listen(app);
    },
  },
  {
    name: "koa, passErrors to Koa's default error handling",
    start: async ({ verifier, locations }) => {
      const app = new Koa();
      app.silent = true;
      const orders = koaScopes('orders:read');
      app.use(koaVerify(verifier, { locations, passErrors: true }));
      app.use(async (ctx, next) => {
        if (ctx.path === '/orders') await orders(ctx, () => Promise.resolve(void (ctx.body = { ok: true })));
        else if (ctx.path === '/me') ctx.body = { sub: ctx.state.auth?.claims.sub };
        else await next();
      });
      return listen(nodeListener(app.callback()));
    },
  },
];

const STACKS: readonly Stack[] = [EXPRESS, KOA, ...NEST, ...PASS_ERRORS];

/** A raw HTTP/1.1 exchange over a socket: any header, any size, repeated at will. */
interface RawResponse {
  readonly status: number;
  readonly text: string;
}

function raw(url: string, head: string, body = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return withTimeout(
    new Promise<RawResponse>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let data = '';
      const done = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data });
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('end', done);
      // A server that refuses an oversized head may close before reading all of it: the answer is what counts.
      socket.on('error', (error) => (data.length > 0 ? done() : reject(error)));
      socket.write(`${head.replace(/\r?\n/g, '\r\n')}\r\nConnection: close\r\n\r\n${body}`);
    }),
    5000,
    'raw request',
  );
}

const STACK_TRACE = [
  /\n\s+at\s/,
  /\(\/[^)]*:\d+:\d+\)/,
  /node_modules/,
  /\/work\//,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /\b[A-Z]\w*Error: /,
];
const INTERNALS = [/ECONNREFUSED/, /jwks\.json/, /openid-configuration/, /127\.0\.0\.1:\d+/];

/** The answer contains no part of the token (parts of 12+ characters), no stack trace and no internal detail. */
function expectClean(answer: TestResponse | RawResponse, token: string, what: string): void {
  const text = 'headers' in answer ? `${JSON.stringify(answer.headers)}\n${answer.text}` : answer.text;
  for (const part of token.split(/[.\s,]+/).filter((p) => p.length >= 12)) {
    expect(text.includes(part), `${what}: the answer echoes part of the token`).toBe(false);
  }
  for (const pattern of [...STACK_TRACE, ...INTERNALS])
    expect(text, `${what}: ${String(pattern)}`).not.toMatch(pattern);
}

let idp: TestIssuer;
let verifier: Verifier;
let downVerifier: Verifier;
let valid: string;

beforeAll(async () => {
  idp = await startIssuer();
  verifier = createVerifier({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
  await verifier.ready();
  valid = await idp.mintToken();
  // A verifier whose key server is gone: every token is a 503, whose details must stay inside.
  const gone = await listen((_req, res) => void res.end());
  const deadJwks = `${gone.url}/.well-known/jwks.json`;
  await gone.close();
  downVerifier = createVerifier({
    jwksUri: deadJwks,
    audience: idp.audience,
    algorithms: ['RS256'],
    jwks: { connectTimeoutMs: 500 },
  });
});

afterAll(async () => {
  await verifier?.close();
  await downVerifier?.close();
  await idp?.close();
});

describe.each(STACKS)('HTTP surface: $name', (stack) => {
  let app: Running;
  let queryApp: Running;
  let downApp: Running;
  let log: MockInstance | undefined;

  beforeAll(async () => {
    // Express logs every error it handles outside env "test" (the passErrors stack sets "production").
    log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    [app, queryApp, downApp] = await Promise.all([
      stack.start({ verifier }),
      stack.start({ verifier, locations: { query: 'access_token' } }),
      stack.start({ verifier: downVerifier }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([app?.close(), queryApp?.close(), downApp?.close()]);
    log?.mockRestore();
  });

  it('serves a valid token (baseline)', async () => {
    const res = await request(app.url, '/me', { authorization: bearer(valid) });
    expect({ status: res.status, body: res.json() }).toEqual({ status: 200, body: { sub: 'test-user' } });
  });

  it('refusals never echo the token, a stack trace or internal details', async () => {
    const [h = '', p = '', s = ''] = valid.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [string, string, number][] = [
      ['expired', await idp.mintToken({ iat: 1_000_000, exp: 1_000_600 }), 401],
      ['tampered payload', `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`, 401],
      ['other audience', await idp.mintToken({ aud: 'billing-api' }), 401],
      ['unknown kid', await idp.mintToken({}, { header: { kid: 'kid-that-never-existed' } }), 401],
      ['unsigned (alg none)', `${b64({ alg: 'none' })}.${p}.`, 401],
      ['hostile alg value', `${b64({ alg: '"\r\n<script>alert(1)</script>', kid: 'x' })}.${p}.${s}`, 401],
      ['not a JWT', `${p}${s}`, 401],
      ['over the size cap', `${h}.${b64({ ...claims, pad: 'x'.repeat(9000) })}.${s}`, 401],
    ];
    for (const [what, token, status] of cases) {
      const res = await request(app.url, '/me', { authorization: bearer(token) });
      expect(res.status, what).toBe(status);
      expectClean(res, token, what);
      // A single, well-formed challenge: no header injection through reflected values.
      if (!stack.name.includes('passErrors') || res.headers['www-authenticate'] !== undefined) {
        expect(res.headers['www-authenticate'], what).toMatch(
          /^Bearer realm="api"(, error="invalid_token", error_description="[^"\r\n]*(?:\\"[^"\r\n]*)*")?$/,
        );
      }
    }
    const scopeless = await idp.mintToken({ scope: 'profile' });
    const forbidden = await request(app.url, '/orders', { authorization: bearer(scopeless) });
    expect(forbidden.status).toBe(403);
    expectClean(forbidden, scopeless, 'insufficient scope');
  });

  it('a 503 for unavailable keys carries Retry-After and no internal detail', async () => {
    const res = await request(downApp.url, '/me', { authorization: bearer(valid) });
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectClean(res, valid, '503');
  });

  it('an oversized Authorization header is refused cleanly, and the server keeps serving', async () => {
    // 12 KiB: inside Node's header limit, over tollgate's token cap.
    const big = `${valid}${'A'.repeat(12 * 1024)}`;
    const inside = await request(app.url, '/me', { authorization: bearer(big) });
    expect(inside.status).toBe(401);
    expectClean(inside, big, '12 KiB header');
    // 20 KiB and 64 KiB: over Node's 16 KiB header limit; Node's HTTP server answers 431 before any handler runs.
    for (const size of [20 * 1024, 64 * 1024]) {
      const huge = `${valid}${'A'.repeat(size)}`;
      const res = await raw(app.url, `GET /me HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer ${huge}`);
      expect(res.status, `${size} bytes`).toBe(431);
      expectClean(res, huge, `${size}-byte header`);
    }
    // Many Authorization headers, each small: still a refusal, not a crash.
    const many = await raw(
      app.url,
      `GET /me HTTP/1.1\nHost: 127.0.0.1\n${Array.from({ length: 50 }, () => `Authorization: Bearer ${valid}`).join('\n')}`,
    );
    expect([400, 431]).toContain(many.status);
    const after = await request(app.url, '/me', { authorization: bearer(valid) });
    expect(after.status).toBe(200);
  });

  it('repeated Authorization headers are refused with 400, whatever they contain', async () => {
    const variants: [string, string[]][] = [
      ['the same valid token twice', [bearer(valid), bearer(valid)]],
      ['a valid token and garbage', [bearer(valid), 'Bearer garbage']],
      ['Bearer and Basic', [bearer(valid), 'Basic dXNlcjpwYXNz']],
      ['an empty one first', ['', bearer(valid)]],
    ];
    for (const [what, headers] of variants) {
      const res = await request(app.url, '/me', { authorization: headers });
      expect(res.status, what).toBe(400);
      expectClean(res, valid, what);
    }
    // Two tokens in one header line (a proxy joining repeats with a comma) are malformed, not the first one.
    const joined = await request(app.url, '/me', { authorization: `${bearer(valid)}, ${bearer(valid)}` });
    expect(joined.status).toBe(400);
    expectClean(joined, valid, 'comma-joined');
  });

  it('query-string and form-body tokens are ignored unless configured', async () => {
    const inQuery = await request(app.url, `/me?access_token=${valid}`);
    expect(inQuery.status).toBe(401);
    // Treated as no token at all: the challenge carries no error code (RFC 6750 3.1).
    if (!stack.name.includes('passErrors')) expect(inQuery.headers['www-authenticate']).toBe('Bearer realm="api"');
    expectClean(inQuery, valid, 'query token, not configured');
    // With the header present, the ignored query parameter does not make the request ambiguous.
    expect((await request(app.url, `/me?access_token=${valid}`, { authorization: bearer(valid) })).status).toBe(200);
    const form = await raw(
      app.url,
      `POST /me HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/x-www-form-urlencoded\nContent-Length: ${13 + valid.length}`,
      `access_token=${valid}`,
    );
    expect(form.status).toBe(401);
    expectClean(form, valid, 'form-body token');
  });

  it('with a query location configured: the query token works, and a token in two places or twice is a 400', async () => {
    expect((await request(queryApp.url, `/me?access_token=${valid}`)).status).toBe(200);
    expect((await request(queryApp.url, '/me', { authorization: bearer(valid) })).status).toBe(200);
    const both = await request(queryApp.url, `/me?access_token=${valid}`, { authorization: bearer(valid) });
    expect(both.status).toBe(400);
    expectClean(both, valid, 'header and query');
    const twice = await request(queryApp.url, `/me?access_token=${valid}&access_token=${valid}`);
    expect(twice.status).toBe(400);
    expectClean(twice, valid, 'query twice');
    const tampered = valid.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const bad = await request(queryApp.url, `/me?access_token=${tampered}`);
    expect(bad.status).toBe(401);
    expectClean(bad, tampered, 'bad query token');
  });
});
