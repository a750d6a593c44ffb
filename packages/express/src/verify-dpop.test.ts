import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash } from '../../core/src/dpop/dpop-proof.js';
import { jwkThumbprint } from '../../core/src/dpop/jwk-thumbprint.js';
import { manualClock } from '../../core/src/testing/clock.js';
import { makeProof, makeProofKey, type ProofKeyPair } from '../../core/src/testing/dpop-proofs.js';
import { makeKey, sign, type TestKey } from '../../core/src/testing/keys.js';
import { verify, type VerifyMiddleware } from './index.js';

const ORIGIN = 'https://api.example.com';
const clock = manualClock(Date.UTC(2026, 11, 4, 12));
const nowSec = () => Math.floor(clock.now() / 1000);
let issuerKey: TestKey;
let client: ProofKeyPair;
interface JwksServer {
  readonly jwksUri: string;
  close(): Promise<void>;
}
// The fixture is plain JavaScript without types for this package's program: imported by URL, typed here.
const JWKS_FIXTURE = new URL('../../core/src/testing/jwks-server.mjs', import.meta.url).href;
let server: JwksServer;
let middleware: VerifyMiddleware;

beforeAll(async () => {
  issuerKey = makeKey('ES256', 'k1');
  client = makeProofKey('ES256');
  const { startJwksServer } = (await import(JWKS_FIXTURE)) as {
    startJwksServer: (options: { keys: unknown[] }) => Promise<JwksServer>;
  };
  server = await startJwksServer({ keys: [issuerKey.publicJwk] });
  middleware = verify(
    { jwksUri: server.jwksUri, audience: 'orders', algorithms: ['ES256'], clock: clock.now },
    { dpop: { mode: 'allowed', origin: ORIGIN, nonce: { secret: 'a-fleet-wide-nonce-secret-of-32-bytes!!' } } },
  );
  await middleware.verifier.ready();
});

afterAll(async () => {
  await middleware.verifier.close();
  await server.close();
});

function call(headers: string[]) {
  const req = { method: 'GET', rawHeaders: headers, originalUrl: '/orders/7' } as unknown as Request;
  const sent: { status?: number; headers: Record<string, string>; body?: unknown; next?: unknown[] } = { headers: {} };
  const res = {
    headersSent: false,
    status: (status: number) => ((sent.status = status), res),
    set: (h: Record<string, string>) => (Object.assign(sent.headers, h), res),
    json: (body: unknown) => ((sent.body = body), res),
  };
  const next = ((...args: unknown[]) => (sent.next = args)) as NextFunction;
  middleware(req, res as unknown as Response, next);
  return { req, sent };
}

describe('verify() with DPoP nonces', () => {
  it('asks for a nonce, then accepts the proof synchronously and sends the current nonce on success', async () => {
    const t = await sign(issuerKey, {
      aud: 'orders',
      sub: 'alice',
      exp: nowSec() + 600,
      iat: nowSec(),
      cnf: { jkt: jwkThumbprint(client.publicJwk) },
    });
    const proof = (nonce?: string) =>
      makeProof(client, {
        htm: 'GET',
        htu: `${ORIGIN}/orders/7`,
        iat: nowSec(),
        ath: accessTokenHash(t),
        ...(nonce === undefined ? {} : { nonce }),
      });
    const first = call(['Authorization', `DPoP ${t}`, 'DPoP', await proof()]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(first.sent.status).toBe(401);
    const nonce = first.sent.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    // Keys are fresh and the replay store is in memory: next() runs before call() returns.
    const second = call(['Authorization', `DPoP ${t}`, 'DPoP', await proof(nonce)]);
    expect(second.sent.next).toEqual([]);
    expect(second.sent.headers).toEqual({ 'dpop-nonce': nonce });
    expect(second.req.auth).toMatchObject({ binding: 'dpop', jkt: jwkThumbprint(client.publicJwk) });
  });
});
