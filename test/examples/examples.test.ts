// The services in examples/ start the way their READMEs say (node on the built packages, configured
// by environment variables), against a real issuer, and answer like the READMEs show: 200 with a
// token, 401 without, 403 without the scope, a public health check, Prometheus metrics; and, as
// a fleet on one real redis-server (DPOP_ORIGIN + TOLLGATE_REDIS_URL), a shared replay store and
// revocation list.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDpopKey } from '@tollgate/issuer';
import { RedisRevocations } from '@tollgate/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/built-package.js';
import { startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';
import { describeRedis, startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = join(root, 'examples');
const run = promisify(execFile);

interface Example {
  readonly name: string;
  /** The command the README gives, relative to the example's directory. */
  readonly entry: string;
  readonly path: string;
  readonly env: (issuer: TestIssuer) => Record<string, string>;
}

const fromIssuer = (issuer: TestIssuer) => ({ TOLLGATE_ISSUER: issuer.issuerUrl, TOLLGATE_AUDIENCE: issuer.audience });

const EXAMPLES: readonly Example[] = [
  { name: 'express-service', entry: 'src/server.mjs', path: '/orders', env: fromIssuer },
  { name: 'koa-service', entry: 'src/server.mjs', path: '/orders', env: fromIssuer },
  { name: 'fastify-service', entry: 'src/server.mjs', path: '/orders', env: fromIssuer },
  { name: 'nestjs-service', entry: 'dist/main.js', path: '/orders', env: fromIssuer },
  { name: 'metrics-service', entry: 'src/server.mjs', path: '/orders', env: fromIssuer },
  {
    name: 'partner-service',
    entry: 'src/server.mjs',
    path: '/shipments',
    env: (issuer) => ({ PARTNER_JWKS_URI: issuer.jwksUri, PARTNER_AUDIENCE: issuer.audience }),
  },
];

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

/** Compiles the NestJS example (tsc, as its `build` script does) unless dist/ is newer than src/. */
async function buildNestExample(): Promise<void> {
  const dir = join(examples, 'nestjs-service');
  const main = join(dir, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(dir, 'src'))) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, timeout: 120_000 });
}

interface Started {
  readonly url: string;
  readonly child: ChildProcess;
}

const children = new Set<ChildProcess>();

/** Starts an example with `env` (PORT=0) and resolves with the URL it prints once it listens. */
function startExample(example: Example, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [example.entry], {
    cwd: join(examples, example.name),
    env: { PATH: process.env.PATH ?? '', PORT: '0', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const listening = new Promise<Started>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ url: match[1], child });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${example.name} exited with ${code} before listening:\n${output}`)));
  });
  return withTimeout(listening, 20_000, `${example.name} start`, () => child.kill());
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

const get = (url: string, token?: string) =>
  fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

let issuer: TestIssuer;

beforeAll(async () => {
  await Promise.all(
    ['core', 'issuer', 'express', 'koa', 'nestjs', 'fastify', 'redis'].map((name) => ensureBuilt(name)),
  );
  await buildNestExample();
  issuer = await startIssuer();
}, 300_000);

afterAll(async () => {
  await Promise.all([...children].map(stop));
  await issuer?.close();
});

describe.each(EXAMPLES)('examples/$name', (example) => {
  let service: Started;
  beforeAll(async () => {
    service = await startExample(example, example.env(issuer));
  }, 30_000);
  afterAll(() => stop(service.child));

  it('answers 200 with a token that has orders:read', async () => {
    const response = await get(service.url + example.path, await issuer.mintToken({ scope: 'orders:read' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject(
      example.name === 'partner-service' ? { for: 'test-user' } : { user: 'test-user' },
    );
  });

  it('answers 401 with an RFC 6750 challenge without a token', async () => {
    const response = await get(service.url + example.path);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);
    expect(await response.json()).toMatchObject({ code: 'ERR_TOKEN_MISSING' });
  });

  it('answers 401 invalid_token for an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await get(service.url + example.path, await issuer.mintToken({ iat: now - 3600, exp: now - 600 }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token', code: 'ERR_CLAIM_EXPIRED' });
  });

  it('answers 403 insufficient_scope without the scope', async () => {
    const response = await get(service.url + example.path, await issuer.mintToken({ scope: 'profile' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="orders:read"');
  });

  it('has a public health check', async () => {
    const response = await get(`${service.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });
});

describe('examples/metrics-service /metrics', () => {
  it('exposes the verifier as Prometheus metrics', async () => {
    const example = EXAMPLES.find((e) => e.name === 'metrics-service')!;
    const service = await startExample(example, example.env(issuer));
    try {
      await get(service.url + example.path, await issuer.mintToken({ scope: 'orders:read' }));
      await get(service.url + example.path, 'not-a-token');
      const text = await (await get(`${service.url}/metrics`)).text();
      expect(text).toContain('tollgate_verifications_total{outcome="accepted",code="",alg="RS256"} 1');
      expect(text).toContain('tollgate_verifications_total{outcome="refused",code="ERR_TOKEN_MALFORMED",alg=""} 1');
      expect(text).toMatch(/tollgate_jwks_fetches_total\{kind="jwks",outcome="updated"\} 1/);
      expect(text).toContain('tollgate_keys_status{status="ready"} 1');
      expect(text).toContain('tollgate_hs256_accepted_total 0');
    } finally {
      await stop(service.child);
    }
  }, 30_000);
});

describe('examples without configuration', () => {
  it.each(['express-service', 'koa-service', 'fastify-service', 'nestjs-service'])(
    '%s refuses to start and names the missing variables',
    async (name) => {
      const example = EXAMPLES.find((e) => e.name === name)!;
      const child = spawn(process.execPath, [example.entry], {
        cwd: join(examples, name),
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await withTimeout(
        new Promise<number | null>((resolve) => child.once('exit', resolve)),
        20_000,
        `${name} exit`,
        () => child.kill(),
      );
      expect(code).toBe(1);
      expect(output).toContain('TOLLGATE_ISSUER or TOLLGATE_JWKS_URI is required to find the keys for RS256.');
      expect(output).toContain('TOLLGATE_AUDIENCE must be set');
    },
    30_000,
  );
});

describeRedis('examples as a fleet: DPOP_ORIGIN and TOLLGATE_REDIS_URL', () => {
  const ORIGIN = 'https://api.orders.example';
  const FLEET = ['express-service', 'koa-service', 'nestjs-service', 'fastify-service'];
  let redis: TestRedisServer;
  let fleet: { name: string; url: string; child: ChildProcess }[];

  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await Promise.all(
      FLEET.map(async (name) => {
        const example = EXAMPLES.find((e) => e.name === name)!;
        const env = { ...example.env(issuer), DPOP_ORIGIN: ORIGIN, TOLLGATE_REDIS_URL: redis.url };
        return { name, ...(await startExample(example, env)) };
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all((fleet ?? []).map((service) => stop(service.child)));
    await redis?.close();
  });

  /** A DPoP request: `Authorization: DPoP <token>` and the proof, to `service`'s /orders. */
  const dpopGet = (service: { url: string }, token: string, proof: string) =>
    fetch(`${service.url}/orders`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });

  it('accepts a DPoP request at each service, and refuses its replay at every other one', async () => {
    const key = createDpopKey();
    const token = await issuer.mintToken({ scope: 'orders:read', cnf: key.cnf });
    for (const [i, service] of fleet.entries()) {
      const proof = key.proof({ method: 'GET', url: `${ORIGIN}/orders`, accessToken: token });
      const response = await dpopGet(service, token, proof);
      expect(response.status, service.name).toBe(200);
      for (const other of fleet.filter((_, j) => j !== i)) {
        const replay = await dpopGet(other, token, proof);
        expect(replay.status, `${service.name} → ${other.name}`).toBe(401);
        expect(await replay.json()).toMatchObject({ code: 'ERR_DPOP_PROOF_REPLAYED' });
      }
    }
    const asBearer = await get(`${fleet[0]!.url}/orders`, token);
    expect(await asBearer.json()).toMatchObject({ code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER' });
  });

  it('refuses a subject revoked once, at every service, and keeps accepting another', async () => {
    const alice = await issuer.mintToken({ sub: 'alice', scope: 'orders:read' });
    const bob = await issuer.mintToken({ sub: 'bob', scope: 'orders:read' });
    for (const service of fleet) expect((await get(`${service.url}/orders`, alice)).status, service.name).toBe(200);

    const admin = await createClient({ url: redis.url })
      .on('error', () => {})
      .connect();
    try {
      await new RedisRevocations({ client: admin }).revoke({ sub: 'alice' });
    } finally {
      await admin.close();
    }
    // Each mirror learns it by pub/sub; poll (bounded) rather than guess a delay.
    await Promise.all(
      fleet.map(async (service) => {
        const deadline = Date.now() + 5000;
        for (;;) {
          const response = await get(`${service.url}/orders`, alice);
          const body = (await response.json()) as { code?: string };
          if (body.code === 'ERR_TOKEN_REVOKED') return;
          expect(response.status, service.name).toBe(200);
          if (Date.now() > deadline) throw new Error(`${service.name} still accepts a revoked subject after 5 s`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    for (const service of fleet) expect((await get(`${service.url}/orders`, bob)).status, service.name).toBe(200);
  }, 20_000);
});
