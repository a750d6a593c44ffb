// DPoP with code nobody here wrote (issue 13 §5): panva's oidc-provider issues DPoP-bound JWT
// access tokens through real client_credentials requests, with proofs made by panva's
// oauth4webapi (WebCrypto keys and signatures), and Express, Koa and Nest services built on
// tollgate accept them with fresh oauth4webapi proofs, refuse a replayed request and refuse the
// token sent as Bearer.
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import type ProviderClass from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  createDpopProofPolicy,
  createVerifier,
  normalizeHtu,
  verifyDpopProof,
  type RequestAuth,
  type Verifier,
} from '@tollgate/core';
import { rawHeader } from '@tollgate/core/adapter';
import { verify as expressVerify } from '@tollgate/express';
import { verify as koaVerify } from '@tollgate/koa';
import { Auth, Dpop, TollgateGuard, TollgateModule } from '@tollgate/nestjs';
import express from 'express';
import Koa from 'koa';
import { bootNest, PLATFORMS } from '../fixtures/nest-support/index.js';
import { request as rawRequest } from '../support/http.js';
import { listen, withTimeout, type Listening } from '../support/issuer.js';
import { route } from '../support/koa-route.js';
import { MemoryAdapter } from './oidc-provider-memory-adapter.js';

const AUDIENCE = 'orders-api';
const RESOURCE = 'urn:tollgate:orders';
const SCOPE = 'orders:read';
const CLIENT = { id: 'partner-client', secret: 'partner-client-secret-0123456789abcdef' };
/** Every start, key generation and first WebCrypto export is bounded: see the start-up hang in the brief. */
const START_MS = 10_000;

interface RunningProvider {
  readonly issuer: string;
  /** Token requests seen, by outcome status. */
  readonly tokenStatuses: number[];
  close(): Promise<void>;
}

let Provider: typeof ProviderClass;

/** The provider's ES256 signing key, made with node:crypto (not WebCrypto: see the start-up hang in the brief). */
const signingKey = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: 'partner-idp-es256',
  alg: 'ES256',
  use: 'sig',
};

/** oidc-provider on 127.0.0.1 with DPoP (its default in v9), client_credentials and RFC 9068 JWT access tokens for one resource. */
async function startProvider(): Promise<RunningProvider> {
  const tokenStatuses: number[] = [];
  // The issuer URL needs the port, so the server listens first and the provider is attached after.
  const route: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = createServer((req, res) => {
    if (req.url === '/token') res.on('finish', () => tokenStatuses.push(res.statusCode));
    if (route.handler) route.handler(req, res);
    else res.writeHead(503).end();
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    }),
    START_MS,
    'oidc-provider start',
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'orders:read orders:write',
        // The provider holds one EC key only (its default for ID tokens would be RS256).
        id_token_signed_response_alg: 'ES256',
        // This client gets DPoP-bound tokens only: a token request without a proof is refused.
        dpop_bound_access_tokens: true,
      },
    ],
    scopes: ['orders:read', 'orders:write'],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['interop-cookie-signing-key-0123456789'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'orders:read orders:write',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  route.handler = provider.callback();
  return {
    issuer,
    tokenStatuses,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** An OAuth client as oauth4webapi models it, with its DPoP key. */
interface PartnerClient {
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly auth: oauth.ClientAuth;
  readonly keyPair: CryptoKeyPair;
  readonly dpop: oauth.DPoPHandle;
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Discovery, then an ES256 key pair made by oauth4webapi (WebCrypto), each step bounded. */
async function partnerClient(issuer: string): Promise<PartnerClient> {
  const issuerUrl = new URL(issuer);
  const as = await withTimeout(
    oauth.discoveryRequest(issuerUrl, insecure).then((response) => oauth.processDiscoveryResponse(issuerUrl, response)),
    START_MS,
    'discovery',
  );
  const client: oauth.Client = { client_id: CLIENT.id };
  const keyPair = await withTimeout(oauth.generateKeyPair('ES256'), START_MS, 'oauth4webapi DPoP key generation');
  return { as, client, auth: oauth.ClientSecretBasic(CLIENT.secret), keyPair, dpop: oauth.DPoP(client, keyPair) };
}

/** A client_credentials request (RFC 6749 4.4) with a DPoP proof (RFC 9449 5) and a resource indicator (RFC 8707). */
async function dpopToken(partner: PartnerClient): Promise<oauth.TokenEndpointResponse> {
  const { as, client, auth, dpop } = partner;
  const request = () =>
    oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: SCOPE, resource: RESOURCE },
      { DPoP: dpop, ...insecure },
    );
  // The first request exports the public key as a JWK through WebCrypto: bounded like a start.
  const response = await withTimeout(request(), START_MS, 'token request');
  return oauth.processClientCredentialsResponse(as, client, response);
}

let consoleSpies: MockInstance[] = [];
let provider: RunningProvider | undefined;
let partner: PartnerClient;

beforeAll(async () => {
  // oidc-provider prints notices at import (Node version) and at first use; keep the test output clean.
  consoleSpies = [
    vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    vi.spyOn(console, 'info').mockImplementation(() => undefined),
  ];
  ({ default: Provider } = await import('oidc-provider'));
  provider = await startProvider();
  partner = await partnerClient(provider.issuer);
});

afterAll(async () => {
  await provider?.close();
  for (const spy of consoleSpies) spy.mockRestore();
});

describe('oidc-provider issues DPoP-bound tokens to an oauth4webapi client', () => {
  it('binds the token to the client key: token_type DPoP, cnf.jkt = RFC 7638 thumbprint of the oauth4webapi key', async () => {
    const result = await dpopToken(partner);
    // oauth4webapi lower-cases token_type; the provider sent "DPoP".
    expect(result.token_type).toBe('dpop');
    const jkt = await calculateJwkThumbprint(await crypto.subtle.exportKey('jwk', partner.keyPair.publicKey));
    expect(await partner.dpop.calculateThumbprint()).toBe(jkt);
    expect(decodeProtectedHeader(result.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(decodeJwt(result.access_token)).toMatchObject({
      iss: provider?.issuer,
      aud: AUDIENCE,
      client_id: CLIENT.id,
      scope: SCOPE,
      cnf: { jkt },
    });
  });

  it('gives every token request its own token, all bound to the same key', async () => {
    const [a, b] = await Promise.all([dpopToken(partner), dpopToken(partner)]);
    expect(a.access_token).not.toBe(b.access_token);
    expect(decodeJwt(a.access_token).cnf).toEqual(decodeJwt(b.access_token).cnf);
  });

  it('refuses a token request without a proof for this client', async () => {
    const { as, client, auth } = partner;
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: SCOPE, resource: RESOURCE },
      insecure,
    );
    await expect(oauth.processClientCredentialsResponse(as, client, response)).rejects.toMatchObject({
      error: 'invalid_grant',
      status: 400,
    });
  });
});

/** A plain server that records each request's method, target and raw headers, and answers 200. */
async function recordingServer(): Promise<
  Listening & { readonly seen: { method: string; target: string; rawHeaders: string[] }[] }
> {
  const seen: { method: string; target: string; rawHeaders: string[] }[] = [];
  const server = await listen((req, res) => {
    seen.push({ method: req.method ?? '', target: req.url ?? '', rawHeaders: req.rawHeaders });
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  return Object.assign(server, { seen });
}

describe("tollgate's core on oidc-provider's tokens and oauth4webapi's proofs", () => {
  it('verifies the DPoP-bound token through discovery, with its cnf.jkt', async () => {
    const { access_token: token } = await dpopToken(partner);
    const verifier = createVerifier({
      issuer: provider!.issuer,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    try {
      const result = await verifier.verify(token);
      expect(result.claims.cnf).toEqual({ jkt: await partner.dpop.calculateThumbprint() });
    } finally {
      await verifier.close();
    }
  });

  it("accepts oauth4webapi's resource-request proofs: method, URI without query, ath, and the token's key", async () => {
    const { access_token: token } = await dpopToken(partner);
    const jkt = await partner.dpop.calculateThumbprint();
    const service = await recordingServer();
    try {
      const policy = createDpopProofPolicy();
      const calls = [
        { method: 'GET', target: '/orders/7?expand=lines' },
        { method: 'POST', target: '/orders' },
        { method: 'DELETE', target: '/orders/7' },
      ];
      for (const call of calls) {
        const response = await oauth.protectedResourceRequest(
          token,
          call.method,
          new URL(call.target, service.url),
          undefined,
          call.method === 'POST' ? '{}' : undefined,
          {
            DPoP: partner.dpop,
            ...insecure,
          },
        );
        expect(response.status).toBe(200);
      }
      const checked = service.seen.map(({ method, target, rawHeaders }) => {
        expect(rawHeader(rawHeaders, 'authorization')).toBe(`DPoP ${token}`);
        const proof = rawHeader(rawHeaders, 'dpop');
        if (typeof proof !== 'string') throw new Error('expected exactly one DPoP header');
        const verified = verifyDpopProof(proof, {
          method,
          htu: normalizeHtu(`${service.url}${target}`),
          accessToken: token,
          nowMs: Date.now(),
          policy,
        });
        return { method, target, jkt: verified.jkt, alg: verified.alg };
      });
      expect(checked).toEqual(calls.map((call) => ({ ...call, jkt, alg: 'ES256' })));
    } finally {
      await service.close();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Express, Koa and Nest services on tollgate, called by the oauth4webapi client
// ------------------------------------------------------------------------------------------------

/** What every service answers on its routes: how the request was authenticated. */
const summary = (auth: RequestAuth | undefined) => ({
  sub: auth?.claims.sub ?? null,
  client_id: auth?.claims.client_id ?? null,
  binding: auth?.binding ?? null,
  jkt: auth?.jkt ?? null,
});

interface Service {
  readonly url: string;
  /** The DPoP mode the called routes run under. */
  readonly mode: 'allowed' | 'required';
  /** Whether the service asks for server nonces. */
  readonly nonces: boolean;
  close(): Promise<void>;
}

/** Listens first (the fixed htu origin needs the port), then serves the app built for that origin. */
async function serveAt(build: (origin: string) => RequestListener): Promise<Listening> {
  const app: { handler?: RequestListener } = {};
  const server = await listen((req, res) => (app.handler ? app.handler(req, res) : res.writeHead(503).end()));
  app.handler = build(server.url);
  return server;
}

/** Express, DPoP required, fixed origin. */
async function expressService(verifier: Verifier): Promise<Service> {
  const server = await serveAt((origin) => {
    const app = express();
    app.use(expressVerify(verifier, { dpop: { mode: 'required', origin } }));
    app.get('/orders/:id', (req, res) => void res.json(summary(req.auth)));
    app.post('/orders', (req, res) => void res.status(201).json(summary(req.auth)));
    return app;
  });
  return { url: server.url, mode: 'required', nonces: false, close: () => server.close() };
}

/** Koa, Bearer and DPoP allowed, fixed origin, server nonces on. */
async function koaService(verifier: Verifier): Promise<Service> {
  const server = await serveAt((origin) => {
    const app = new Koa();
    app.use(koaVerify(verifier, { dpop: { mode: 'allowed', origin, nonce: true } }));
    const answer: Koa.Middleware = (ctx) => {
      ctx.status = ctx.method === 'POST' ? 201 : 200;
      ctx.body = summary(ctx.state.auth);
    };
    app.use(route('/orders/7', answer));
    app.use(route('/orders/8', answer));
    app.use(route('/orders', answer));
    const callback = app.callback();
    return (req, res) => void callback(req, res);
  });
  return { url: server.url, mode: 'allowed', nonces: true, close: () => server.close() };
}

@Dpop('required')
@Controller('orders')
class OrdersController {
  @Get(':id')
  one(@Auth() auth: RequestAuth) {
    return summary(auth);
  }

  @Post()
  @HttpCode(201)
  create(@Auth() auth: RequestAuth) {
    return summary(auth);
  }
}

/** Nest (each platform), DPoP allowed by the module and required on the controller by @Dpop, origin from the Host header. */
function nestService(adapter: () => Parameters<typeof bootNest>[1]) {
  return async (verifier: Verifier): Promise<Service> => {
    @Module({
      imports: [TollgateModule.forRoot({ verifier, dpop: { mode: 'allowed', origin: { fromRequest: 'host' } } })],
      controllers: [OrdersController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class AppModule {}
    const { app, url } = await bootNest(AppModule, adapter());
    return { url, mode: 'required', nonces: false, close: () => app.close() };
  };
}

const SERVICES: readonly { name: string; start: (verifier: Verifier) => Promise<Service> }[] = [
  { name: 'Express (dpop required)', start: expressService },
  { name: 'Koa (dpop allowed, server nonces)', start: koaService },
  ...PLATFORMS.map(({ platform, adapter }) => ({
    name: `Nest on platform-${platform} (@Dpop('required'))`,
    start: nestService(adapter),
  })),
];

/** A request as it went over the wire, captured by the client's fetch. */
interface Captured {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
}

describe.each(SERVICES)('$name called by oauth4webapi with oidc-provider DPoP tokens', ({ start }) => {
  let verifier: Verifier;
  let service: Service;
  let token: string;
  let jkt: string;
  /** Requests oauth4webapi retried after a use_dpop_nonce answer. */
  let nonceRetries = 0;
  const captured: Captured[] = [];

  /** oauth4webapi's fetch, recording what it sends. */
  const recordingFetch = (url: string, init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => {
    captured.push({ url, method: init.method, headers: { ...init.headers } });
    return fetch(url, init as RequestInit);
  };

  /** A protected-resource request with a fresh oauth4webapi proof, retried once when the service asks for a nonce (RFC 9449 9). */
  async function call(method: string, path: string): Promise<Response> {
    const options = { DPoP: partner.dpop, ...insecure, [oauth.customFetch]: recordingFetch };
    const send = () =>
      oauth.protectedResourceRequest(
        token,
        method,
        new URL(path, service.url),
        undefined,
        method === 'POST' ? '{}' : undefined,
        options,
      );
    try {
      return await send();
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      nonceRetries++;
      return send();
    }
  }

  beforeAll(async () => {
    verifier = createVerifier({
      issuer: provider!.issuer,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      requiredClaims: ['client_id'],
    });
    service = await start(verifier);
    ({ access_token: token } = await dpopToken(partner));
    jkt = await partner.dpop.calculateThumbprint();
  });
  afterAll(async () => {
    await service?.close();
    await verifier?.close();
  });

  it('accepts every request with a fresh proof: GET with a query, POST, GET of another resource', async () => {
    const responses = [
      await call('GET', '/orders/7?expand=lines'),
      await call('POST', '/orders'),
      await call('GET', '/orders/8'),
    ];
    const bound = { sub: CLIENT.id, client_id: CLIENT.id, binding: 'dpop', jkt };
    expect(
      await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))),
    ).toEqual([
      { status: 200, body: bound },
      { status: 201, body: bound },
      { status: 200, body: bound },
    ]);
    // Three different proofs went over the wire (plus one refused for want of a nonce on the nonce service).
    const proofs = captured.map((c) => c.headers.dpop);
    expect(new Set(proofs).size).toBe(proofs.length);
    // A service with nonces asked once; the nonce it sends on every answer kept the client current.
    expect(nonceRetries).toBe(service.nonces ? 1 : 0);
  });

  it('refuses a replay of a captured request: same proof, same token', async () => {
    const original = await call('GET', '/orders/7');
    expect(original.status).toBe(200);
    const sent = captured.at(-1)!;
    const path = new URL(sent.url).pathname;
    const replay = await rawRequest(service.url, path, { method: sent.method, headers: sent.headers });
    expect({ status: replay.status, body: replay.json() }).toMatchObject({
      status: 401,
      body: { error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_REPLAYED' },
    });
    expect(replay.headers['www-authenticate']).toMatch(/(^|, )DPoP [^]*error="invalid_dpop_proof"/);
  });

  it('refuses the same token sent as Bearer, with a challenge oauth4webapi can read', async () => {
    const refusal = await oauth
      .protectedResourceRequest(token, 'GET', new URL('/orders/7', service.url), undefined, undefined, insecure)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenges = (refusal as oauth.WWWAuthenticateChallengeError).cause;
    const code = service.mode === 'required' ? 'ERR_DPOP_REQUIRED' : 'ERR_DPOP_BOUND_TOKEN_AS_BEARER';
    // In required mode only DPoP is offered; in allowed mode the Bearer challenge carries the error.
    expect(challenges.map((c) => [c.scheme, c.parameters.error ?? null])).toEqual(
      service.mode === 'required'
        ? [['dpop', 'invalid_token']]
        : [
            ['bearer', 'invalid_token'],
            ['dpop', null],
          ],
    );
    expect(challenges.find((c) => c.scheme === 'dpop')?.parameters.algs?.split(' ')).toContain('ES256');
    const raw = await rawRequest(service.url, '/orders/7', { authorization: `Bearer ${token}` });
    expect({ status: raw.status, code: raw.json().code }).toEqual({ status: 401, code });
  });
});
