// The RFC 6750 scenarios every HTTP adapter must pass against a real issuer, written once and run
// by each adapter's integration test with its own app builder. Expected challenge strings are
// spelled out here by hand, not built with the core's helpers, so a core regression shows up.
import type { RequestListener, Server } from 'node:http';
import {
  ENVIRONMENT_VARIABLES,
  createVerifier,
  type TokenLocations,
  type VerifiedToken,
  type Verifier,
} from '@tollgate/core';
import type { VerifierSource } from '@tollgate/core/adapter';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, request, type TestResponse } from './http.js';
import { listen, startIssuer, type Listening, type TestIssuer } from './issuer.js';

/** Adapter options the scenarios need; both adapters accept them under these names. */
export interface AdapterAppOptions {
  credentialsOptional?: boolean;
  realm?: string;
  locations?: TokenLocations;
  warmOnStart?: boolean;
}

/** An app under test and the verifier its `verify()` middleware uses (read from `middleware.verifier`). */
export interface AdapterApp {
  /** A request listener, or the app's own (not yet listening) server, e.g. Fastify's `app.server` after `ready()`. */
  listener: RequestListener | Server;
  verifier: Verifier;
  /** Shuts the app down (Fastify's `app.close()`), after its server closed. */
  close?: () => Promise<void>;
}

/**
 * Builds an app with `verify(source, options)` mounted for every route (a promise for frameworks
 * that start asynchronously: a configuration error then rejects it) and:
 * - `GET /me`: 200 `authSummary(auth)`
 * - `GET /orders`: `requireScopes('orders:read')`, then 200 `authSummary(auth)`
 * - `GET /admin`: `requireClaims((claims) => claims.role === 'admin')`, then 200 `authSummary(auth)`
 */
export type BuildApp = (source: VerifierSource, options?: AdapterAppOptions) => AdapterApp | Promise<AdapterApp>;

/** The JSON body the scenario routes answer with. */
export function authSummary(auth: VerifiedToken | undefined): Record<string, unknown> {
  if (auth === undefined) return { anonymous: true };
  return {
    anonymous: false,
    sub: auth.claims.sub,
    alg: auth.alg,
    kid: auth.kid ?? null,
    keySource: auth.keySource,
    issuer: auth.issuer,
    scope: auth.claims.scope ?? null,
  };
}

export const HS256_SECRET = 'migration-secret-of-at-least-32-bytes!!';
const MISSING = 'Bearer realm="api"';
const MISSING_BODY = {
  error: 'unauthorized',
  error_description: 'Authentication is required.',
  code: 'ERR_TOKEN_MISSING',
};
const UNAVAILABLE_DESCRIPTION = 'Signing keys are temporarily unavailable; retry later.';

/** `Bearer realm="api", error="…", error_description="…"[, scope="…"]`, quotes escaped by hand. */
function challenge(error: string, description: string, scope?: string): string {
  const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
  return `Bearer realm="api", error=${q(error)}, error_description=${q(description)}${scope === undefined ? '' : `, scope=${q(scope)}`}`;
}

function expectRefusal(
  res: TestResponse,
  status: number,
  code: string,
  error: string,
  description: string,
  scope?: string,
): void {
  expect({ status: res.status, body: res.json() }).toEqual({
    status,
    body: { error, error_description: description, code },
  });
  expect(res.headers['www-authenticate']).toBe(challenge(error, description, scope));
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

function expectMissing(res: TestResponse): void {
  expect({ status: res.status, body: res.json() }).toEqual({ status: 401, body: MISSING_BODY });
  expect(res.headers['www-authenticate']).toBe(MISSING);
}

type Served = Listening & { verifier: Verifier };

const nowSec = () => Math.floor(Date.now() / 1000);

/** Runs every scenario of the adapter spec (issue 4) against apps made by `build`. */
export function describeAdapterScenarios(name: string, build: BuildApp): void {
  const opened: { close(): Promise<void> }[] = [];
  const serve = async (source: VerifierSource, options?: AdapterAppOptions): Promise<Served> => {
    const app = await build(source, options);
    const server = await listen(app.listener);
    opened.push({ close: async () => (await server.close(), await app.close?.()) }, app.verifier);
    return Object.assign(server, { verifier: app.verifier });
  };
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
  });

  describe(`${name}: tokens from a real issuer`, () => {
    let idp: TestIssuer;
    let app: Served;
    let migration: Served;
    let optional: Served;

    beforeAll(async () => {
      idp = await startIssuer({ defaultTenant: { hs256Secret: HS256_SECRET } });
      opened.push(idp);
      await idp.mintToken({}, { alg: 'ES256' }); // publishes the ES256 key before any verifier fetches the JWKS
      const base = { issuer: idp.issuerUrl, audience: idp.audience } as const;
      app = await serve(createVerifier({ ...base, algorithms: ['RS256', 'ES256'] }));
      migration = await serve(
        createVerifier({ ...base, algorithms: ['RS256', 'HS256'], hs256: { secrets: [HS256_SECRET] } }),
      );
      optional = await serve(createVerifier({ ...base, algorithms: ['RS256'] }), { credentialsOptional: true });
    });

    it('accepts a valid RS256 token and attaches it', async () => {
      const token = await idp.mintToken();
      const kid = (await idp.issuer.keys()).find((k) => k.alg === 'RS256' && k.status === 'active')?.kid;
      const res = await request(app.url, '/me', { authorization: bearer(token) });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({
        anonymous: false,
        sub: 'test-user',
        alg: 'RS256',
        kid,
        keySource: 'jwks',
        issuer: idp.issuerUrl,
        scope: 'orders:read orders:write',
      });
    });

    it('accepts a valid ES256 token', async () => {
      const res = await request(app.url, '/me', {
        authorization: bearer(await idp.mintToken({ sub: 'es-user' }, { alg: 'ES256' })),
      });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ sub: 'es-user', alg: 'ES256', keySource: 'jwks' });
    });

    it('reads the Bearer scheme case-insensitively', async () => {
      const token = await idp.mintToken();
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        expect((await request(app.url, '/me', { authorization: `${scheme} ${token}` })).status).toBe(200);
      }
    });

    it('answers a missing token with 401 and a challenge without error code', async () => {
      expectMissing(await request(app.url, '/me'));
    });

    it('treats another scheme as no bearer token', async () => {
      expectMissing(await request(app.url, '/me', { authorization: 'Basic b3JkZXJzOnNlY3JldA==' }));
    });

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer to,ken']) {
        const res = await request(app.url, '/me', { authorization: header });
        expectRefusal(
          res,
          400,
          'ERR_TOKEN_REQUEST_INVALID',
          'invalid_request',
          'The Authorization header is malformed; use "Bearer <token>".',
        );
      }
    });

    it('refuses two Authorization headers with 400 invalid_request', async () => {
      const token = await idp.mintToken();
      const res = await request(app.url, '/me', { authorization: [bearer(token), bearer(token)] });
      expectRefusal(
        res,
        400,
        'ERR_TOKEN_REQUEST_INVALID',
        'invalid_request',
        'The request carries 2 Authorization headers; send exactly one.',
      );
    });

    it('answers a token that is not a JWT with 401 invalid_token', async () => {
      const res = await request(app.url, '/me', { authorization: 'Bearer not-a-jwt' });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_token', code: 'ERR_TOKEN_MALFORMED' });
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
      );
    });

    it('refuses an altered token', async () => {
      const [header, , signature] = (await idp.mintToken()).split('.');
      const payload = Buffer.from(
        JSON.stringify({ iss: idp.issuerUrl, aud: idp.audience, sub: 'admin', exp: nowSec() + 600 }),
      ).toString('base64url');
      const res = await request(app.url, '/me', { authorization: bearer(`${header}.${payload}.${signature}`) });
      expectRefusal(
        res,
        401,
        'ERR_TOKEN_SIGNATURE_INVALID',
        'invalid_token',
        'Token signature does not verify; the token was altered or signed by another key.',
      );
    });

    it('refuses an expired token', async () => {
      const res = await request(app.url, '/me', {
        authorization: bearer(await idp.mintToken({ iat: nowSec() - 3600, exp: nowSec() - 600 })),
      });
      expectRefusal(res, 401, 'ERR_CLAIM_EXPIRED', 'invalid_token', 'Token has expired; obtain a new one.');
    });

    it('refuses a token for another audience', async () => {
      const res = await request(app.url, '/me', { authorization: bearer(await idp.mintToken({ aud: 'billing-api' })) });
      expectRefusal(res, 401, 'ERR_CLAIM_MISMATCH', 'invalid_token', 'Token "aud" does not name this service.');
    });

    it('refuses a token from another issuer', async () => {
      const res = await request(app.url, '/me', {
        authorization: bearer(await idp.mintToken({ iss: 'https://evil.example' })),
      });
      expectRefusal(res, 401, 'ERR_CLAIM_MISMATCH', 'invalid_token', 'Token "iss" is not a trusted issuer.');
    });

    it('refuses HS256 unless the migration is configured', async () => {
      const token = await idp.mintToken({}, { alg: 'HS256' });
      const res = await request(app.url, '/me', { authorization: bearer(token) });
      expectRefusal(
        res,
        401,
        'ERR_ALG_NOT_ALLOWED',
        'invalid_token',
        'Token algorithm "HS256" is not allowed for this issuer.',
      );
    });

    it('accepts HS256 and RS256 side by side in migration mode', async () => {
      const hs = await request(migration.url, '/me', {
        authorization: bearer(await idp.mintToken({ sub: 'legacy' }, { alg: 'HS256' })),
      });
      expect(hs.status).toBe(200);
      expect(hs.json()).toMatchObject({ sub: 'legacy', alg: 'HS256', kid: null, keySource: 'secret' });
      const rs = await request(migration.url, '/me', { authorization: bearer(await idp.mintToken()) });
      expect(rs.json()).toMatchObject({ alg: 'RS256', keySource: 'jwks' });
    });

    it('refuses an HS256 token signed with another secret in migration mode', async () => {
      const token = await idp.mintToken({}, { alg: 'HS256', secret: 'a-different-secret-also-32-bytes-long' });
      const res = await request(migration.url, '/me', { authorization: bearer(token) });
      expectRefusal(
        res,
        401,
        'ERR_TOKEN_SIGNATURE_INVALID',
        'invalid_token',
        'Token signature does not verify; the token was altered or signed by another key.',
      );
    });

    it('lets requireScopes through with the scope in `scope` or `scp`', async () => {
      const viaScope = await request(app.url, '/orders', {
        authorization: bearer(await idp.mintToken({ scope: 'profile orders:read' })),
      });
      expect(viaScope.status).toBe(200);
      const viaScp = await request(app.url, '/orders', {
        authorization: bearer(await idp.mintToken({ scope: undefined, scp: ['orders:read'] })),
      });
      expect(viaScp.status).toBe(200);
    });

    it('answers a missing scope with 403 insufficient_scope naming the scope needed', async () => {
      const res = await request(app.url, '/orders', {
        authorization: bearer(await idp.mintToken({ scope: 'profile orders:write' })),
      });
      expectRefusal(
        res,
        403,
        'ERR_CLAIM_SCOPE_INSUFFICIENT',
        'insufficient_scope',
        'The token lacks the scope(s): orders:read.',
        'orders:read',
      );
    });

    it('applies requireClaims', async () => {
      expect(
        (await request(app.url, '/admin', { authorization: bearer(await idp.mintToken({ role: 'admin' })) })).status,
      ).toBe(200);
      const res = await request(app.url, '/admin', { authorization: bearer(await idp.mintToken({ role: 'clerk' })) });
      expectRefusal(
        res,
        403,
        'ERR_CLAIM_FORBIDDEN',
        'insufficient_scope',
        'The token does not grant access to this resource.',
      );
    });

    it('uses the configured realm', async () => {
      const realm = await serve(app.verifier, { realm: 'orders "eu"' });
      const res = await request(realm.url, '/me');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="orders \\"eu\\""');
    });

    it('reads a cookie only when configured, and refuses a token sent twice', async () => {
      const token = await idp.mintToken();
      const cookieApp = await serve(app.verifier, { locations: { cookie: 'access_token' } });
      expect(
        (await request(cookieApp.url, '/me', { headers: { cookie: `theme=dark; access_token=${token}` } })).status,
      ).toBe(200);
      expectMissing(await request(app.url, '/me', { headers: { cookie: `access_token=${token}` } }));
      const twice = await request(cookieApp.url, '/me', {
        authorization: bearer(token),
        headers: { cookie: `access_token=${token}` },
      });
      expectRefusal(
        twice,
        400,
        'ERR_TOKEN_REQUEST_INVALID',
        'invalid_request',
        'The request carries a token in more than one place; send it once.',
      );
    });

    it('reads a query parameter only when configured', async () => {
      const token = await idp.mintToken();
      const queryApp = await serve(app.verifier, { locations: { query: 'access_token' } });
      expect((await request(queryApp.url, `/me?access_token=${token}`)).status).toBe(200);
      expectMissing(await request(app.url, `/me?access_token=${token}`));
    });

    describe('optional credentials', () => {
      it('lets an anonymous request through without auth', async () => {
        const res = await request(optional.url, '/me');
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ anonymous: true });
      });

      it('attaches a valid token', async () => {
        const res = await request(optional.url, '/me', {
          authorization: bearer(await idp.mintToken({ sub: 'alice' })),
        });
        expect(res.json()).toMatchObject({ anonymous: false, sub: 'alice' });
      });

      it('still refuses a bad token', async () => {
        const res = await request(optional.url, '/me', {
          authorization: bearer(await idp.mintToken({ aud: 'billing-api' })),
        });
        expectRefusal(res, 401, 'ERR_CLAIM_MISMATCH', 'invalid_token', 'Token "aud" does not name this service.');
      });

      it('lets guards refuse an anonymous request with 401', async () => {
        expectMissing(await request(optional.url, '/orders'));
        expectMissing(await request(optional.url, '/admin'));
      });
    });
  });

  describe(`${name}: key rotation during a stream of requests`, () => {
    it('verifies every request while keys rotate', async () => {
      const idp = await startIssuer();
      opened.push(idp);
      // Rotations here come faster than the default 10 s unknown-kid cooldown; production rotates every 90 days.
      const app = await serve(
        createVerifier({
          issuer: idp.issuerUrl,
          audience: idp.audience,
          algorithms: ['RS256'],
          jwks: { cooldownMs: 0 },
        }),
      );
      const total = 300;
      const rotations = 5;
      const concurrency = 8;
      const oldTokens: string[] = [await idp.mintToken()];
      const statuses = new Map<number, number>();
      let sent = 0;
      let rotated = 0;

      const worker = async () => {
        while (sent < total) {
          const n = sent++;
          if (n > 0 && n % (total / (rotations + 1)) === 0 && rotated < rotations) {
            rotated++;
            oldTokens.push(await idp.mintToken()); // signed by the key about to be retired
            await idp.issuer.rotate();
          }
          // Alternate fresh tokens (newest key) with tokens of retired keys still in their grace period.
          const token = n % 2 === 0 ? await idp.mintToken({ sub: `user-${n}` }) : oldTokens[n % oldTokens.length]!;
          const res = await request(app.url, '/me', { authorization: bearer(token) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));

      expect(rotated).toBe(rotations);
      expect(Object.fromEntries(statuses)).toEqual({ 200: total });
      expect((await idp.issuer.keys()).filter((k) => k.status === 'retired')).toHaveLength(rotations);
      // One fetch to start and one per rotation: concurrent requests with a new kid share one fetch.
      expect(idp.issuer.stats().byEndpoint.jwks).toBeLessThanOrEqual(rotations + 1);
    });
  });

  describe(`${name}: JWKS endpoint down`, () => {
    const outage = async () => {
      const idp = await startIssuer();
      opened.push(idp);
      // Short backoff and cooldown so recovery is quick. The cooldown matters too: with the core as it
      // is, a failed unknown-kid refetch still starts the 10 s cooldown, which delays recovery past Retry-After.
      const app = await serve(
        createVerifier({
          issuer: idp.issuerUrl,
          audience: idp.audience,
          algorithms: ['RS256'],
          jwks: { retryBaseMs: 50, retryMaxMs: 100, cooldownMs: 100 },
        }),
      );
      expect((await request(app.url, '/me', { authorization: bearer(await idp.mintToken()) })).status).toBe(200); // keys cached
      return { idp, app };
    };

    const expectUnavailable = (res: TestResponse) => {
      expect(res.status).toBe(503);
      expect(res.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: UNAVAILABLE_DESCRIPTION,
        code: expect.stringMatching(/^ERR_JWKS_/),
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(Number(res.headers['retry-after']))).toBe(true);
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.text).not.toContain('127.0.0.1'); // no JWKS URL or network detail leaks
    };

    it('stopped issuer: known kid 200, unknown kid 503 with Retry-After, recovery after restart', async () => {
      const { idp, app } = await outage();
      const known = await idp.mintToken();
      await idp.issuer.stop();
      expect((await request(app.url, '/me', { authorization: bearer(known) })).status).toBe(200);

      await idp.issuer.rotate(); // a key the verifier has never seen, while nothing answers
      const unknown = await idp.mintToken();
      expectUnavailable(await request(app.url, '/me', { authorization: bearer(unknown) }));
      expect((await request(app.url, '/me', { authorization: bearer(known) })).status).toBe(200);

      await idp.issuer.start();
      await vi.waitFor(
        async () => expect((await request(app.url, '/me', { authorization: bearer(unknown) })).status).toBe(200),
        { timeout: 3000, interval: 50 },
      );
    });

    it('JWKS answering 500: known kid 200, unknown kid 503', async () => {
      const { idp, app } = await outage();
      const known = await idp.mintToken();
      const fault = idp.issuer.faults.inject({ endpoint: 'jwks', kind: 'status500' });
      await idp.issuer.rotate();
      expectUnavailable(await request(app.url, '/me', { authorization: bearer(await idp.mintToken()) }));
      expect((await request(app.url, '/me', { authorization: bearer(known) })).status).toBe(200);
      expect(fault.hits).toBeGreaterThanOrEqual(1);
    });
  });

  describe(`${name}: telling the operator`, () => {
    /** A JWKS endpoint on its own real server: 404 (a wrong path) until `fixed`, then the issuer's key set. */
    const jwksServer = async (idp: TestIssuer) => {
      const state = { fixed: false, hits: 0 };
      const server = await listen((req, res) => {
        state.hits++;
        if (!state.fixed) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        fetch(idp.jwksUri).then(
          async (upstream) =>
            void res.writeHead(200, { 'content-type': 'application/json' }).end(await upstream.text()),
          () => void res.writeHead(502).end(),
        );
      });
      opened.push(server);
      return Object.assign(state, { jwksUri: `${server.url}/.well-known/jwks.json` });
    };
    const recorder = () => {
      const lines: string[] = [];
      return {
        lines,
        logger: { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) },
      };
    };

    it('a JWKS answering 404: every request gets 503, the operator gets one warning with the cause, then one line on recovery', async () => {
      const idp = await startIssuer();
      opened.push(idp);
      const jwks = await jwksServer(idp);
      const { lines, logger } = recorder();
      // The verifier's clock moves past the retry backoff between requests, so each one fetches again, without sleeping.
      let now = Date.now();
      const app = await serve({
        jwksUri: jwks.jwksUri,
        audience: idp.audience,
        algorithms: ['RS256'],
        logger,
        clock: () => now,
        jwks: { retryMaxMs: 1000 },
      });
      const token = await idp.mintToken();

      for (let i = 0; i < 5; i++) {
        const res = await request(app.url, '/me', { authorization: bearer(token) });
        expect({ status: res.status, code: res.json().code }).toEqual({ status: 503, code: 'ERR_JWKS_FETCH_FAILED' });
        now += 2000;
      }
      expect(jwks.hits).toBe(5);
      expect(lines).toEqual([
        `warn tollgate: the JWKS could not be fetched: ${jwks.jwksUri} answered HTTP 404. Check the URL: the server has no document at this path. ` +
          'Tokens whose keys are not cached are refused with 503 until a fetch succeeds; retries continue with backoff. Next report about this URL in 5 min at the earliest.',
      ]);

      jwks.fixed = true;
      expect((await request(app.url, '/me', { authorization: bearer(token) })).status).toBe(200);
      expect((await request(app.url, '/me', { authorization: bearer(token) })).status).toBe(200);
      expect(lines.slice(1)).toEqual([
        `info tollgate: the JWKS at ${jwks.jwksUri} answers again, after 5 failed attempts over 10 s.`,
      ]);
    });

    it('logs to console by default, and not at all with logger: false', async () => {
      const idp = await startIssuer();
      opened.push(idp);
      const jwks = await jwksServer(idp);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const token = await idp.mintToken();
        const loud = await serve({ jwksUri: jwks.jwksUri, audience: idp.audience, algorithms: ['RS256'] });
        const quiet = await serve({
          jwksUri: `${jwks.jwksUri}?quiet`,
          audience: idp.audience,
          algorithms: ['RS256'],
          logger: false,
        });
        for (const app of [loud, loud, quiet, quiet])
          expect((await request(app.url, '/me', { authorization: bearer(token) })).status).toBe(503);
        expect(warn).toHaveBeenCalledOnce();
        expect(String(warn.mock.calls[0]?.[0])).toContain(`${jwks.jwksUri} answered HTTP 404`);
      } finally {
        warn.mockRestore();
      }
    });

    it('warmOnStart fetches the keys while the app starts, before any request', async () => {
      const idp = await startIssuer();
      opened.push(idp);
      const before = idp.issuer.stats().byEndpoint.jwks;
      const app = await serve(
        { issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] },
        { warmOnStart: true },
      );
      await vi.waitFor(() => expect(app.verifier.health().status).toBe('ready'), { timeout: 3000, interval: 20 });
      expect(idp.issuer.stats().byEndpoint.jwks).toBe(before + 1);
      expect((await request(app.url, '/me', { authorization: bearer(await idp.mintToken()) })).status).toBe(200);
      expect(idp.issuer.stats().byEndpoint.jwks).toBe(before + 1);
    });

    it('warmOnStart with an unreachable JWKS: the app still starts, and the operator gets one warning', async () => {
      const idp = await startIssuer();
      opened.push(idp);
      const jwks = await jwksServer(idp);
      const { lines, logger } = recorder();
      const app = await serve(
        { jwksUri: jwks.jwksUri, audience: idp.audience, algorithms: ['RS256'], logger },
        { warmOnStart: true },
      );
      await vi.waitFor(() => expect(lines).toHaveLength(1), { timeout: 3000, interval: 20 });
      expect(lines[0]).toMatch(/^warn tollgate: the JWKS could not be fetched: .* answered HTTP 404\./);
      expect(jwks.hits).toBe(1);
      expectMissing(await request(app.url, '/me'));
    });
  });

  describe(`${name}: configuration from the environment only`, () => {
    let idp: TestIssuer;
    beforeAll(async () => {
      idp = await startIssuer({ defaultTenant: { hs256Secret: HS256_SECRET } });
      opened.push(idp);
    });

    /** Builds the app; a synchronous throw and a rejection both become a rejection. */
    const starting = (options?: AdapterAppOptions) => Promise.resolve().then(() => build(undefined, options));

    /** Clears every TOLLGATE_* variable of the real environment, then sets the given ones (restored after each test). */
    const env = (vars: Partial<Record<keyof typeof ENVIRONMENT_VARIABLES, string>>) => {
      for (const key of Object.keys(ENVIRONMENT_VARIABLES)) vi.stubEnv(key, '');
      for (const [key, value] of Object.entries(vars)) vi.stubEnv(key, value);
    };

    it('verify() with no options reads TOLLGATE_* (discovery from TOLLGATE_ISSUER)', async () => {
      env({ TOLLGATE_ISSUER: idp.issuerUrl, TOLLGATE_AUDIENCE: idp.audience });
      const app = await serve(undefined);
      const res = await request(app.url, '/orders', { authorization: bearer(await idp.mintToken()) });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ alg: 'RS256', issuer: idp.issuerUrl });
      expect(idp.issuer.stats().byEndpoint.discovery).toBeGreaterThanOrEqual(1);
      expectMissing(await request(app.url, '/orders'));
    });

    it('never switches HS256 on implicitly', async () => {
      env({ TOLLGATE_ISSUER: idp.issuerUrl, TOLLGATE_AUDIENCE: idp.audience });
      const app = await serve(undefined);
      const res = await request(app.url, '/me', { authorization: bearer(await idp.mintToken({}, { alg: 'HS256' })) });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    });

    it('accepts HS256 with TOLLGATE_ALGORITHMS and TOLLGATE_HS256_SECRETS', async () => {
      env({
        TOLLGATE_ISSUER: idp.issuerUrl,
        TOLLGATE_AUDIENCE: idp.audience,
        TOLLGATE_ALGORITHMS: 'RS256,HS256',
        TOLLGATE_HS256_SECRETS: HS256_SECRET,
      });
      const app = await serve(undefined);
      const res = await request(app.url, '/me', { authorization: bearer(await idp.mintToken({}, { alg: 'HS256' })) });
      expect(res.json()).toMatchObject({ alg: 'HS256', keySource: 'secret' });
    });

    it('works from TOLLGATE_JWKS_URI alone, without discovery (partner setup)', async () => {
      env({ TOLLGATE_JWKS_URI: idp.jwksUri, TOLLGATE_AUDIENCE: idp.audience });
      const before = idp.issuer.stats().byEndpoint.discovery;
      const app = await serve(undefined);
      expect((await request(app.url, '/me', { authorization: bearer(await idp.mintToken()) })).status).toBe(200);
      expect(idp.issuer.stats().byEndpoint.discovery).toBe(before);
    });

    it('throws at verify() time, naming a missing variable', async () => {
      env({ TOLLGATE_ISSUER: idp.issuerUrl });
      await expect(starting()).rejects.toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_INVALID',
          options: ['TOLLGATE_AUDIENCE'],
          message: expect.stringContaining('TOLLGATE_AUDIENCE'),
        }),
      );
    });

    it('names every missing variable at once', async () => {
      env({});
      await expect(starting()).rejects.toThrow(
        expect.objectContaining({ options: ['TOLLGATE_ISSUER', 'TOLLGATE_JWKS_URI', 'TOLLGATE_AUDIENCE'] }),
      );
    });

    it('names every problem at once, under the variables the user set, unknown ones included', async () => {
      env({ TOLLGATE_ALGORITHMS: 'HS256', TOLLGATE_HS256_SECRETS: 'short' });
      vi.stubEnv('TOLLGATE_ALGORITHM', 'RS256');
      await expect(starting()).rejects.toThrow(
        expect.objectContaining({
          options: ['TOLLGATE_AUDIENCE', 'TOLLGATE_HS256_SECRETS', 'TOLLGATE_ALGORITHM'],
          message: [
            'tollgate could not start from environment variables:',
            '  - TOLLGATE_AUDIENCE must be set to the audience this service accepts (comma-separated for several), or TOLLGATE_RESOURCE to its resource URL.',
            '  - secret 1 of TOLLGATE_HS256_SECRETS is 5 bytes long; HS256 secrets must be at least 32 bytes (RFC 7518 3.2), so use a longer random secret.',
            '  - TOLLGATE_ALGORITHM is not a tollgate variable; did you mean TOLLGATE_ALGORITHMS?',
          ].join('\n'),
        }),
      );
    });

    it('refuses unknown adapter options, suggesting the known name', async () => {
      env({ TOLLGATE_ISSUER: idp.issuerUrl, TOLLGATE_AUDIENCE: idp.audience });
      await expect(starting({ credentialOptional: true } as AdapterAppOptions)).rejects.toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_INVALID',
          options: ['credentialOptional'],
          message: expect.stringContaining('did you mean credentialsOptional?'),
        }),
      );
    });

    it('refuses HS256 in TOLLGATE_ALGORITHMS without secrets', async () => {
      env({ TOLLGATE_ISSUER: idp.issuerUrl, TOLLGATE_AUDIENCE: idp.audience, TOLLGATE_ALGORITHMS: 'RS256,HS256' });
      await expect(starting()).rejects.toThrow(/HS256/);
    });
  });
}
