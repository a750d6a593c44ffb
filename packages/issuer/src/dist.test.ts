// Proves the published build, not the sources: ESM and CJS entries load and exit cleanly, and the
// `tollgate-issuer` bin serves, mints and shuts down on SIGTERM. Builds first if dist/ is stale.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from './test-support.js';

const run = promisify(execFile);
const pkg = fileURLToPath(new URL('..', import.meta.url));
const dist = (file: string) => join(pkg, 'dist', file);

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

async function builtAt(): Promise<number> {
  const times = await Promise.all(['index.mjs', 'index.cjs', 'cli.mjs'].map((f) => stat(dist(f)).then((s) => s.mtimeMs, () => 0)));
  return Math.min(...times);
}

let keyDir: string;
beforeAll(async () => {
  const sources = Math.max(await newestSource(join(pkg, 'src')), (await stat(join(pkg, 'tsdown.config.ts'))).mtimeMs);
  if ((await builtAt()) < sources) await run('pnpm', ['run', 'build'], { cwd: pkg, timeout: 120_000 });
  keyDir = await mkdtemp(join(tmpdir(), 'tollgate-dist-'));
}, 150_000);
afterAll(() => rm(keyDir, { recursive: true, force: true }));

/** Runs a Node script to completion; a dangling handle would make it hit the timeout. */
async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: pkg, timeout: 15_000 });
  return stdout;
}

const smoke = (load: string) => `
${load}
const issuer = await createIssuer();
const res = await fetch(issuer.jwksUri);
const { keys } = await res.json();
const token = await issuer.sign();
await issuer.close();
console.log(JSON.stringify({ keys: keys.length, parts: token.split('.').length }));
`;

const CONSUMER = `
import { createDpopKey, createIssuer, createMemoryKeyStore, createTestClock, isKeyStoreConflict, IssuerConfigError, type DpopKey, type Issuer, type IssuerOptions, type KeyInfo, type KeyStore } from '@tollgate/issuer';
const options: IssuerOptions = { clock: createTestClock(), tenants: [{ name: 'a', algorithm: 'ES256' }] };
export async function main(): Promise<KeyInfo[]> {
  const issuer: Issuer = await createIssuer(options);
  const token: string = await issuer.sign({ sub: 'x' }, { tenant: 'a', header: { typ: 'at+jwt' } });
  issuer.faults.inject({ endpoint: 'jwks', kind: 'status500', count: 1 });
  const stats: number = issuer.stats().byEndpoint.jwks;
  const key: DpopKey = createDpopKey({ alg: 'PS256' });
  const bound: string = await issuer.sign({ cnf: key.cnf, acr: 'urn:example:mfa', auth_time: 1 });
  const proof: string = key.proof({ method: 'GET', url: 'http://127.0.0.1/', accessToken: bound });
  const store: KeyStore = createMemoryKeyStore({ clock: createTestClock() });
  const held = await store.lock?.('a', 1000);
  await held?.release();
  void token; void stats; void IssuerConfigError; void proof; void isKeyStoreConflict;
  return issuer.keys('a');
}
// @ts-expect-error: the algorithm is a closed union
export const bad: IssuerOptions = { algorithm: 'RS512' };
// @ts-expect-error: DPoP proofs are signed with asymmetric algorithms only
export const badProofKey = createDpopKey({ alg: 'HS256' });
`;

/** Type-checks a consumer of the built declarations in a scratch project that links the package. */
async function typecheckConsumer(compilerOptions: Record<string, unknown>, file: string): Promise<void> {
  const project = await mkdtemp(join(tmpdir(), 'tollgate-consumer-'));
  try {
    await mkdir(join(project, 'node_modules', '@tollgate'), { recursive: true });
    await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
    await symlink(pkg, join(project, 'node_modules', '@tollgate', 'issuer'), 'dir');
    await symlink(join(pkg, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    await writeFile(join(project, file), CONSUMER);
    await writeFile(join(project, 'package.json'), JSON.stringify({ type: file.endsWith('.mts') ? 'module' : 'commonjs' }));
    // skipLibCheck: checking all of @types/node three times costs ~15 s on two cores; the consumer's
    // own code is still checked against our declarations, which come from type-checked sources.
    const tsconfig = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, types: ['node'], target: 'ES2022', ...compilerOptions }, files: [file] };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    await run(process.execPath, [join(pkg, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, timeout: 60_000 }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc failed for ${JSON.stringify(compilerOptions)}:\n${err.stdout ?? String(err)}`);
    });
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

describe('built package', () => {
  it('type-checks a consumer under nodenext (ESM and CJS) and node10 resolution', async () => {
    // The @ts-expect-error line also proves the types resolved: were they `any`, it would be unused.
    await Promise.all([
      typecheckConsumer({ module: 'nodenext', moduleResolution: 'nodenext' }, 'consumer.mts'),
      typecheckConsumer({ module: 'nodenext', moduleResolution: 'nodenext' }, 'consumer.cts'),
      typecheckConsumer({ module: 'commonjs', moduleResolution: 'node10' }, 'consumer.ts'),
    ]);
  }, 90_000);

  it('imports as ESM, starts, serves, and exits once closed', async () => {
    const out = await node(['--input-type=module', '-e', smoke(`import { createIssuer } from ${JSON.stringify(dist('index.mjs'))};`)]);
    expect(JSON.parse(out)).toEqual({ keys: 1, parts: 3 });
  });

  it('requires as CommonJS, starts, serves, and exits once closed', async () => {
    const script = `(async () => {${smoke(`const { createIssuer, createTestClock, IssuerConfigError } = require(${JSON.stringify(dist('index.cjs'))});`)}})().catch((e) => { console.error(e); process.exit(1); });`;
    const out = await node(['-e', script]);
    expect(JSON.parse(out)).toEqual({ keys: 1, parts: 3 });
  });

  it('runs the bin: serve prints its URLs, token mints for it, SIGTERM stops it with status 0', async () => {
    const child: ChildProcess = spawn(process.execPath, [dist('cli.mjs'), 'serve', '--port', '0', '--json', '--keys', keyDir], { cwd: pkg });
    try {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const firstLine = await withTimeout(
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
          });
          child.once('exit', (code) => reject(new Error(`serve exited early with ${code}: ${stderr}`)));
        }),
        10_000,
        'tollgate-issuer serve',
      );
      const { baseUrl } = JSON.parse(firstLine) as { baseUrl: string };
      const port = new URL(baseUrl).port;

      const token = (await node([dist('cli.mjs'), 'token', '--keys', keyDir, '--port', port, '--sub', 'bin-user'])).trim();
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), { issuer: baseUrl, audience: 'api://default' });
      expect(payload.sub).toBe('bin-user');

      const proof = (await node([dist('cli.mjs'), 'proof', '--key', join(keyDir, 'dpop.json'), '--method', 'POST', '--url', `${baseUrl}/token`])).trim();
      const res = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa('tollgate-dev:tollgate-dev-secret')}`, 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
        body: 'grant_type=client_credentials',
      });
      expect(((await res.json()) as { token_type: string }).token_type).toBe('DPoP');

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await withTimeout(exited, 5000, 'serve shutdown after SIGTERM')).toBe(0);
      expect(stderr).toBe('tollgate-issuer stopped\n');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
