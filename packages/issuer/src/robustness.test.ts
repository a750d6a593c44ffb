import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issuer } from './issuer.js';
import { createMemoryKeyStore, type KeyStore } from './key-store.js';
import { basic, startIssuer, startSharedIssuer } from './test-support.js';

let issuer: Issuer;
const errors: unknown[] = [];
beforeAll(async () => {
  issuer = await startSharedIssuer({ onError: (error) => errors.push(error) });
});
afterAll(() => issuer?.close());

/**
 * Sends raw bytes and returns whatever comes back before the server closes the connection. Every
 * case here ends with the server closing it; the timer only turns a hang into a failure.
 */
function raw(data: string | Buffer, opts: { endWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(issuer.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the issuer neither answered nor closed the connection within 5000 ms'));
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(data);
    if (opts.endWrite) socket.end();
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
const bodyOf = (response: string) =>
  JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('malformed requests never crash the issuer', () => {
  it.each<[string, number, string | Buffer]>([
    ['a garbage request line', 400, 'GARBAGE\r\n\r\n'],
    ['an unknown method', 400, 'BREW /token HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad Content-Length', 400, 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
    ['oversized headers', 431, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`],
    [
      'an invalid percent-encoding in the path',
      404,
      'GET /%zz/.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ],
    [
      'an absolute-form target',
      404,
      'GET http://evil.example/.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ],
    ['a path with a NUL byte escape', 404, 'GET /tenants/%00/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a long path', 404, `GET /${'x'.repeat(8000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
  ])('answers %s with a JSON %i', async (_name, expected, data) => {
    const response = await raw(data);
    expect(statusOf(response)).toBe(expected);
    expect(bodyOf(response)).toHaveProperty('error');
  });

  it('answers 413 to an oversized chunked body without Content-Length', async () => {
    const chunk = 'a'.repeat(8192);
    const chunks = Array.from({ length: 4 }, () => `${(8192).toString(16)}\r\n${chunk}\r\n`).join('');
    const response = await raw(
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n` +
        `Authorization: ${basic('tollgate-dev', 'tollgate-dev-secret')}\r\n\r\n${chunks}0\r\n\r\n`,
    );
    expect(statusOf(response)).toBe(413);
    expect(bodyOf(response)).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 400 and closes when a client declares a body and disappears, or sends a TLS ClientHello', async () => {
    const truncated = await raw(
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=cli',
      {
        endWrite: true,
      },
    );
    const tls = await raw(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01])); // a TLS ClientHello on plain HTTP
    expect([statusOf(truncated), statusOf(tls)]).toEqual([400, 400]);
  });

  it('answers odd but well-formed requests with 4xx JSON', async () => {
    const cases: [RequestInit & { path?: string }, number][] = [
      [{ method: 'DELETE' }, 405],
      [{ method: 'PUT', body: 'x' }, 405],
      [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'multipart/form-data; boundary=x' },
          body: '--x--',
        },
        400,
      ],
      [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic \u00e9' },
          body: 'grant_type=client_credentials',
        },
        401,
      ],
      [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: '%%%&&&===',
        },
        400,
      ],
      [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8' },
          body: 'grant_type=client_credentials',
        },
        401,
      ],
    ];
    for (const [init, expected] of cases) {
      const { path = '/.well-known/jwks.json', ...rest } = init;
      const res = await fetch(`${issuer.baseUrl}${path}`, rest).catch((err: unknown) => err as Error);
      if (res instanceof Error) throw res;
      expect(res.status, `${rest.method} ${path}`).toBe(expected);
      expect(((await res.json()) as Record<string, unknown>).error).toEqual(expect.any(String));
    }
  });

  it('is still healthy afterwards, and no handler threw', async () => {
    const res = await fetch(issuer.discoveryUrl);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer: string }).issuer).toBe(issuer.issuerUrl);
    expect(errors).toEqual([]);
  });
});

describe('an exception inside a handler', () => {
  it('becomes a JSON 500, is reported to onError, and the server keeps serving', async () => {
    const memory = createMemoryKeyStore();
    let broken = false;
    const flaky: KeyStore = {
      read: (tenant) => (broken ? Promise.reject(new Error('disk on fire')) : memory.read(tenant)),
      write: (tenant, keys) => memory.write(tenant, keys),
    };
    const reported: unknown[] = [];
    const local = await startIssuer({ keyStore: flaky, onError: (error) => reported.push(error) });
    broken = true;
    const res = await fetch(local.jwksUri);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'server_error', error_description: 'internal error' });
    expect(reported).toEqual([expect.objectContaining({ message: 'disk on fire' })]);
    broken = false;
    expect((await fetch(local.jwksUri)).status).toBe(200);
  });
});
