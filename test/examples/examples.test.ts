// The services in examples/ start the way their READMEs say (node on the built packages, configured
// by environment variables), against a real issuer, and answer like the READMEs show: 200 with a
// token, 401 without, 403 without the scope, a public health check, Prometheus metrics.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/built-package.js';
import { startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';

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
  await Promise.all(['core', 'issuer', 'express', 'koa', 'nestjs', 'fastify'].map((name) => ensureBuilt(name)));
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
