// Certificate-bound access tokens (RFC 8705 section 3) end to end: tokens from the real mini-issuer
// carrying cnf["x5t#S256"], Express, Koa, Fastify, Hono and Nest apps served over real HTTPS on 127.0.0.1 that ask
// for client certificates, and clients presenting certificates made in the test. Then the same
// behind a TLS-terminating proxy that passes the certificate in a header (`mtls.certificateHeader`).
import 'reflect-metadata';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createVerifier, type RequestAuth, type Verifier } from '@tollgate/core';
import { verify as expressVerify } from '@tollgate/express';
import { tollgate } from '@tollgate/fastify';
import { verify as honoVerify } from '@tollgate/fetch/hono';
import { verify as koaVerify } from '@tollgate/koa';
import { Auth, TollgateGuard, TollgateModule } from '@tollgate/nestjs';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  selfSignedClientCertificate,
  type IssuedCertificate,
} from '../support/certificates.js';
import { request, type TestResponse } from '../support/http.js';
import { listen, startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';
import { nodeListener } from '../support/node-listener.js';
import { listenTls, startTlsProxy, type ListeningTls } from '../support/tls.js';

const ca = createCertificateAuthority('mTLS integration CA');
const serverCertificate = ca.issueServer();
const alice = ca.issueClient('alice');
const bob = ca.issueClient('bob');
const mallory = selfSignedClientCertificate('mallory');
const CERT_HEADER = 'x-client-cert';

const summary = (auth: RequestAuth | undefined) => ({
  sub: auth?.claims.sub ?? null,
  binding: auth?.binding ?? null,
  x5t: auth?.x5t ?? null,
});

type Options = { mtls?: { certificateHeader: string } };

function expressApp(verifier: Verifier, options: Options = {}): RequestListener {
  const app = express();
  app.use(expressVerify(verifier, options));
  app.get('/orders', (req, res) => void res.json(summary(req.auth)));
  return app;
}

function koaApp(verifier: Verifier, options: Options = {}): RequestListener {
  const app = new Koa();
  app.use(koaVerify(verifier, options));
  app.use((ctx) => {
    ctx.body = summary(ctx.state.auth);
  });
  const callback = app.callback();
  return (req, res) => void callback(req, res);
}

/** Fastify's request handler (the plugin reads the TLS socket as `request.raw.socket`), served on the test's own server. */
async function fastifyApp(verifier: Verifier, options: Options = {}): Promise<RequestListener> {
  let handler: RequestListener | undefined;
  const app = fastify({
    serverFactory: (fastifyHandler) => {
      handler = fastifyHandler;
      return createServer(fastifyHandler);
    },
  });
  await app.register(tollgate, { verifier, ...options });
  // eslint-disable-next-line @typescript-eslint/require-await -- an async Fastify handler's return value is the reply
  app.get('/orders', async (request) => summary(request.auth));
  await app.ready();
  return handler!;
}

/** Hono on @hono/node-server: the middleware reads the TLS socket from `c.env.incoming`. */
function honoApp(verifier: Verifier, options: Options = {}): RequestListener {
  const app = new Hono();
  app.use(honoVerify(verifier, options));
  app.get('/orders', (c) => c.json(summary(c.get('auth'))));
  return nodeListener(getRequestListener(app.fetch));
}

@Controller('orders')
class OrdersController {
  @Get()
  list(@Auth() auth: RequestAuth) {
    return summary(auth);
  }
}

/** A Nest app over HTTPS asking for client certificates, on either platform. */
async function nestTls(verifier: Verifier, platform: 'express' | 'fastify'): Promise<ListeningTls> {
  @Module({
    imports: [TollgateModule.forRoot({ verifier })],
    controllers: [OrdersController],
    providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
  })
  class AppModule {}
  const https = {
    key: serverCertificate.keyPem,
    cert: serverCertificate.pem,
    ca: [ca.pem],
    requestCert: true,
    rejectUnauthorized: false,
  };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), {
          logger: false,
          forceCloseConnections: true,
          httpsOptions: https,
        })
      : moduleRef.createNestApplication(new FastifyAdapter({ https }), { logger: false, forceCloseConnections: true });
  await withTimeout(app.listen(0, '127.0.0.1'), 10_000, 'Nest start');
  const server = app.getHttpServer() as ListeningTls['server'];
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, server, close: () => app.close() };
}

const SERVERS: readonly { name: string; start: (verifier: Verifier) => Promise<ListeningTls> }[] = [
  {
    name: 'Express',
    start: (verifier) => listenTls(expressApp(verifier), { certificate: serverCertificate, clientCas: [ca] }),
  },
  {
    name: 'Koa',
    start: (verifier) => listenTls(koaApp(verifier), { certificate: serverCertificate, clientCas: [ca] }),
  },
  {
    name: 'Fastify',
    start: async (verifier) =>
      listenTls(await fastifyApp(verifier), { certificate: serverCertificate, clientCas: [ca] }),
  },
  {
    name: 'Hono',
    start: (verifier) => listenTls(honoApp(verifier), { certificate: serverCertificate, clientCas: [ca] }),
  },
  { name: 'Nest (platform-express)', start: (verifier) => nestTls(verifier, 'express') },
  { name: 'Nest (platform-fastify)', start: (verifier) => nestTls(verifier, 'fastify') },
];

let idp: TestIssuer;
let verifier: Verifier;
/** Bound to alice's certificate. */
let bound: string;
let unbound: string;

beforeAll(async () => {
  idp = await startIssuer();
  verifier = createVerifier({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
  bound = await idp.mintToken({ sub: 'alice', cnf: { 'x5t#S256': alice.thumbprint } });
  unbound = await idp.mintToken({ sub: 'plain' });
});
afterAll(async () => {
  await verifier?.close();
  await idp?.close();
});

function expectMismatch(res: TestResponse): void {
  expect({ status: res.status, code: res.json().code, error: res.json().error }).toEqual({
    status: 401,
    code: 'ERR_TOKEN_CERTIFICATE_MISMATCH',
    error: 'invalid_token',
  });
  expect(res.headers['www-authenticate']).toMatch(
    /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
  );
}

describe.each(SERVERS)('certificate-bound tokens over mutual TLS: $name', ({ start }) => {
  let app: ListeningTls;
  const call = (token: string, certificate: IssuedCertificate | undefined) =>
    request(app.url, '/orders', { authorization: `Bearer ${token}`, tls: { ca: ca.pem, certificate } });

  beforeAll(async () => {
    app = await start(verifier);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('accepts the token from the client holding the bound certificate, and says how it was bound', async () => {
    const res = await call(bound, alice);
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 200,
      body: { sub: 'alice', binding: 'mtls', x5t: alice.thumbprint },
    });
  });

  it("refuses it with another client's certificate, a self-signed one, or none", async () => {
    expectMismatch(await call(bound, bob));
    expectMismatch(await call(bound, mallory));
    expectMismatch(await call(bound, undefined));
  });

  it('takes an unbound token as a bearer token, certificate or not', async () => {
    for (const certificate of [alice, undefined]) {
      const res = await call(unbound, certificate);
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 200,
        body: { sub: 'plain', binding: 'bearer', x5t: null },
      });
    }
  });
});

describe.each([
  { name: 'Express', build: expressApp },
  { name: 'Koa', build: koaApp },
  { name: 'Fastify', build: fastifyApp },
  { name: 'Hono', build: honoApp },
])('certificate-bound tokens behind a TLS-terminating proxy: $name', ({ build }) => {
  let app: { url: string; close(): Promise<void> };
  let proxy: ListeningTls;
  let unconfigured: { url: string; close(): Promise<void> };
  const viaProxy = (token: string, certificate: IssuedCertificate | undefined, headers: Record<string, string> = {}) =>
    request(proxy.url, '/orders', { authorization: `Bearer ${token}`, headers, tls: { ca: ca.pem, certificate } });

  beforeAll(async () => {
    app = await listen(await build(verifier, { mtls: { certificateHeader: CERT_HEADER } }));
    unconfigured = await listen(await build(verifier));
    proxy = await startTlsProxy(app.url, { certificate: serverCertificate, clientCas: [ca], header: CERT_HEADER });
  });
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
    await unconfigured?.close();
  });

  it('reads the certificate the proxy passes in the configured header', async () => {
    const res = await viaProxy(bound, alice);
    expect({ status: res.status, body: res.json() }).toEqual({
      status: 200,
      body: { sub: 'alice', binding: 'mtls', x5t: alice.thumbprint },
    });
    expectMismatch(await viaProxy(bound, bob));
    expectMismatch(await viaProxy(bound, undefined));
  });

  it("cannot be fooled by a client's own certificate header: the proxy replaces it", async () => {
    expectMismatch(await viaProxy(bound, bob, { [CERT_HEADER]: encodeURIComponent(alice.pem) }));
    expectMismatch(await viaProxy(bound, undefined, { [CERT_HEADER]: encodeURIComponent(alice.pem) }));
  });

  it('never reads the header where it is not configured', async () => {
    expectMismatch(
      await request(unconfigured.url, '/orders', {
        authorization: `Bearer ${bound}`,
        headers: { [CERT_HEADER]: encodeURIComponent(alice.pem) },
      }),
    );
  });
});
