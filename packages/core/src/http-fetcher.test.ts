import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetcher, type HttpFetcherOptions } from './http-fetcher.js';
import { JWKS_DEFAULTS } from './resolve-options.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';

const servers: JwksServer[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function server(): Promise<JwksServer> {
  const started = await startJwksServer({ keys: [{ kty: 'test', kid: 'k1' }] });
  servers.push(started);
  return started;
}

function fetcher(extra: Partial<HttpFetcherOptions> = {}) {
  return createHttpFetcher({ ...JWKS_DEFAULTS, dispatcher: undefined, ...extra });
}

/**
 * An undici agent that resolves every host name to 127.0.0.1: a redirect to `http://keys.example`
 * then reaches a real local server, so a test can tell a refused hop (no request arrives) from a
 * followed one.
 */
function everyHostIsLocal(): Agent {
  const agent = new Agent({
    connect: { lookup: (_host, _options, done) => done(null, [{ address: '127.0.0.1', family: 4 }]) },
  });
  agents.push(agent);
  return agent;
}

const remoteHttp = (target: JwksServer, path = '/jwks.json') =>
  `http://keys.example:${new URL(target.url).port}${path}`;

describe('redirects', () => {
  it('are refused unless jwks.maxRedirects allows them', async () => {
    const target = await server();
    const redirector = await server();
    redirector.jwksBehaviour = { kind: 'redirect', location: target.jwksUri };
    await expect(fetcher().fetchJson(redirector.jwksUri, {})).rejects.toThrow(
      /answered HTTP 302 \(redirects are refused unless jwks\.maxRedirects allows them\)/,
    );
    await expect(fetcher({ maxRedirects: 1 }).fetchJson(redirector.jwksUri, {})).resolves.toMatchObject({
      status: 200,
      body: { keys: [{ kid: 'k1' }] },
    });
    expect(target.counts.jwks).toBe(1);
  });

  it('count every hop against jwks.maxRedirects', async () => {
    const target = await server();
    const second = await server();
    const first = await server();
    second.jwksBehaviour = { kind: 'redirect', location: target.jwksUri };
    first.jwksBehaviour = { kind: 'redirect', location: second.jwksUri };
    await expect(fetcher({ maxRedirects: 1 }).fetchJson(first.jwksUri, {})).rejects.toThrow(
      /more than jwks\.maxRedirects \(1\)/,
    );
    expect(target.counts.jwks).toBe(0);
    await expect(fetcher({ maxRedirects: 2 }).fetchJson(first.jwksUri, {})).resolves.toMatchObject({ status: 200 });
  });

  it('refuses a redirect to plain http on a host that is not loopback, before sending anything to it', async () => {
    const target = await server();
    const redirector = await server();
    redirector.jwksBehaviour = { kind: 'redirect', location: remoteHttp(target) };
    const dispatcher = everyHostIsLocal();
    await expect(fetcher({ maxRedirects: 2, dispatcher }).fetchJson(redirector.jwksUri, {})).rejects.toThrow(
      /redirected to http:\/\/keys\.example:\d+\/jwks\.json, which is not https/,
    );
    expect(target.counts.jwks).toBe(0);
    // The same hop with jwks.allowHttp is followed: the set-up above would have reached the target.
    await expect(
      fetcher({ maxRedirects: 2, dispatcher, allowHttp: true }).fetchJson(redirector.jwksUri, {}),
    ).resolves.toMatchObject({ status: 200 });
    expect(target.counts.jwks).toBe(1);
  });

  it('refuses a Location that is not http(s) at all', async () => {
    const redirector = await server();
    redirector.jwksBehaviour = { kind: 'redirect', location: 'file:///etc/passwd' };
    await expect(fetcher({ maxRedirects: 2, allowHttp: true }).fetchJson(redirector.jwksUri, {})).rejects.toThrow(
      /which is not https/,
    );
  });
});

describe('response bodies', () => {
  const json = JSON.stringify({ keys: [{ kid: 'k1' }] });

  it('ignores a leading UTF-8 byte order mark', async () => {
    const s = await server();
    s.jwksBehaviour = {
      kind: 'raw',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]),
    };
    await expect(fetcher().fetchJson(s.jwksUri, {})).resolves.toMatchObject({
      status: 200,
      body: { keys: [{ kid: 'k1' }] },
    });
  });

  for (const [encoding, encode] of [
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const) {
    it(`decodes Content-Encoding: ${encoding}${encode === deflateRawSync ? ' (raw, without the zlib wrapper)' : ''}`, async () => {
      const s = await server();
      s.jwksBehaviour = {
        kind: 'raw',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: encode(Buffer.from(`\ufeff${json}`)),
      };
      await expect(fetcher().fetchJson(s.jwksUri, {})).resolves.toMatchObject({
        status: 200,
        body: { keys: [{ kid: 'k1' }] },
      });
    });
  }

  it('applies jwks.maxResponseBytes to the decoded size: a compression bomb is refused', async () => {
    const s = await server();
    const bomb = gzipSync(Buffer.from(`{"keys":[],"pad":"${'x'.repeat(8 * 1024 * 1024)}"}`));
    expect(bomb.length).toBeLessThan(JWKS_DEFAULTS.maxResponseBytes);
    s.jwksBehaviour = { kind: 'raw', headers: { 'content-encoding': 'gzip' }, body: bomb };
    await expect(fetcher().fetchJson(s.jwksUri, {})).rejects.toThrow(
      /decodes to more than jwks\.maxResponseBytes \(262144\)/,
    );
  });

  it('refuses an encoding it cannot decode, naming it', async () => {
    const s = await server();
    s.jwksBehaviour = { kind: 'raw', headers: { 'content-encoding': 'zstd' }, body: 'whatever' };
    await expect(fetcher().fetchJson(s.jwksUri, {})).rejects.toThrow(/unsupported Content-Encoding "zstd"/);
  });

  it('says what went wrong when a 304 answers a request without If-None-Match (no talk of redirects)', async () => {
    const s = await server();
    s.jwksBehaviour = { kind: 'raw', status: 304, body: '' };
    const error = (await fetcher({ maxRedirects: 0 })
      .fetchJson(s.jwksUri, {})
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `${s.jwksUri} answered 304 Not Modified to a request without If-None-Match; it must answer 200 with the document`,
    );
  });

  it('returns 304 when the ETag it sent still matches', async () => {
    const s = await server();
    const first = await fetcher().fetchJson(s.jwksUri, {});
    expect(first.status).toBe(200);
    const etag = first.status === 200 ? first.etag : undefined;
    await expect(fetcher().fetchJson(s.jwksUri, { etag })).resolves.toEqual({ status: 304, maxAgeSec: 600 });
  });
});
