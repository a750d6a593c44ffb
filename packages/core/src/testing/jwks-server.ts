/**
 * Test support (not exported): a real HTTP JWKS + discovery server on
 * 127.0.0.1 whose answers tests can change, with request counters. Used by
 * the core's unit tests; cross-package tests use @tollgate/issuer instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export interface TestKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Record<string, unknown>;
}

/** Generates a key with node:crypto (not WebCrypto: see BRIEF, start-up hangs on Node 20). */
export function makeKey(
  alg: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA',
  kid: string,
  extra: Record<string, unknown> = {},
  rsaBits = 2048,
): TestKey {
  const pair =
    alg === 'RS256' || alg === 'PS256'
      ? generateKeyPairSync('rsa', { modulusLength: rsaBits })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig', ...extra };
  return { kid, alg, privateKey: pair.privateKey, publicJwk };
}

export async function sign(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'body'; body: string }
  | { kind: 'drop' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'redirect'; location: string }
  /** Exactly these bytes and headers (encodings, byte order marks, odd status codes). */
  | { kind: 'raw'; status?: number; headers?: Record<string, string>; body: Buffer | string };

export interface JwksServer {
  readonly url: string;
  readonly jwksUri: string;
  readonly issuer: string;
  /** Requests per path. */
  readonly counts: { discovery: number; jwks: number; notModified: number };
  keys: Record<string, unknown>[];
  /** Raw `Cache-Control` header for the JWKS, or null for none. */
  cacheControl: string | null;
  etag: boolean;
  /** Overrides the discovery document's issuer (mismatch tests). */
  discoveredIssuer: string | undefined;
  jwksBehaviour: Behaviour;
  discoveryBehaviour: Behaviour;
  close(): Promise<void>;
}

export async function startJwksServer(initial: Record<string, unknown>[] = []): Promise<JwksServer> {
  const sockets = new Set<Socket>();
  const state = {
    counts: { discovery: 0, jwks: 0, notModified: 0 },
    keys: initial,
    cacheControl: 'public, max-age=600' as string | null,
    etag: true,
    discoveredIssuer: undefined as string | undefined,
    jwksBehaviour: { kind: 'ok' } as Behaviour,
    discoveryBehaviour: { kind: 'ok' } as Behaviour,
  };
  let base = '';

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    behaviour: Behaviour,
    body: () => string,
  ): Promise<void> {
    if (behaviour.kind === 'drop') return void req.socket.destroy();
    if (behaviour.kind === 'slow') await new Promise((r) => setTimeout(r, behaviour.delayMs));
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': 'application/json' }).end('{"error":"injected"}');
      return;
    }
    if (behaviour.kind === 'raw') {
      res.writeHead(behaviour.status ?? 200, behaviour.headers ?? {}).end(behaviour.body);
      return;
    }
    if (behaviour.kind === 'redirect') {
      res.writeHead(302, { location: behaviour.location }).end();
      return;
    }
    const text = behaviour.kind === 'body' ? behaviour.body : body();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (state.cacheControl !== null) headers['cache-control'] = state.cacheControl;
    if (state.etag && req.url?.startsWith('/jwks')) {
      const tag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`;
      headers.etag = tag;
      if (req.headers['if-none-match'] === tag) {
        state.counts.notModified++;
        res.writeHead(304, headers).end();
        return;
      }
    }
    if (!res.destroyed) res.writeHead(200, headers).end(text);
  }

  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      state.counts.discovery++;
      void answer(req, res, state.discoveryBehaviour, () =>
        JSON.stringify({ issuer: state.discoveredIssuer ?? base, jwks_uri: `${base}/jwks.json` }),
      );
    } else if (req.url?.startsWith('/jwks')) {
      state.counts.jwks++;
      void answer(req, res, state.jwksBehaviour, () => JSON.stringify({ keys: state.keys }));
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('JWKS test server did not start within 5 s')), 5000);
    server.listen(0, '127.0.0.1', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url: base,
    jwksUri: `${base}/jwks.json`,
    issuer: base,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
