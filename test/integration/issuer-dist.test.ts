// Proves the published build of @tollgate/issuer, not its sources: the ESM and CJS entries load
// (with the built core they depend on) and exit cleanly, the declarations type-check in a consumer
// under nodenext (ESM, CJS) and node10, and the `tollgate-issuer` bin serves, mints, makes a DPoP
// proof the token endpoint accepts, and stops on SIGTERM.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from '../support/built-package.js';
import { withTimeout } from '../support/issuer.js';

const run = promisify(execFile);
const issuerDir = packageDir('issuer');
const cli = join(issuerDir, 'dist', 'cli.mjs');

let project: Awaited<ReturnType<typeof scratchProject>>;
let keyDir: string;
beforeAll(async () => {
  await Promise.all([ensureBuilt('core'), ensureBuilt('issuer')]);
  project = await scratchProject(
    { '@tollgate/issuer': issuerDir, '@types/node': join(issuerDir, 'node_modules', '@types', 'node') },
    'module',
  );
  keyDir = await mkdtemp(join(tmpdir(), 'tollgate-dist-'));
}, 300_000);
afterAll(async () => {
  await project?.dispose();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

/** Runs the bin to completion; a dangling handle would make it hit the timeout. */
async function bin(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args], { cwd: issuerDir, timeout: 15_000 });
  return stdout;
}

// The thumbprint and ath functions come from the core: a broken re-export fails here, not in a user's test.
const smoke = (load: string) => `
${load}
const issuer = await createIssuer();
const res = await fetch(issuer.jwksUri);
const { keys } = await res.json();
const token = await issuer.sign();
await issuer.close();
const key = createDpopKey();
console.log(JSON.stringify({ keys: keys.length, parts: token.split('.').length, jkt: jwkThumbprint(key.publicJwk) === key.jkt, ath: accessTokenHash('a').length }));
`;
const EXPECTED = { keys: 1, parts: 3, jkt: true, ath: 43 };

const CONSUMER = `
import { accessTokenHash, certificateThumbprint, createDpopKey, createIssuer, createMemoryKeyStore, createTestClock, createTestFaultTimer, isKeyStoreConflict, IssuerConfigError, jwkThumbprint, type DpopKey, type FaultTimer, type Issuer, type IssuerOptions, type KeyInfo, type KeyStore } from '@tollgate/issuer';
const faultTimer: FaultTimer = createTestFaultTimer();
const options: IssuerOptions = { clock: createTestClock(), faultTimer, tenants: [{ name: 'a', algorithm: 'ES256' }] };
export async function main(): Promise<KeyInfo[]> {
  const issuer: Issuer = await createIssuer(options);
  const token: string = await issuer.sign({ sub: 'x' }, { tenant: 'a', header: { typ: 'at+jwt' } });
  issuer.faults.inject({ endpoint: 'jwks', kind: 'status500', count: 1 });
  const stats: number = issuer.stats().byEndpoint.jwks;
  const key: DpopKey = createDpopKey({ alg: 'PS256' });
  const bound: string = await issuer.sign({ cnf: key.cnf, acr: 'urn:example:mfa', auth_time: 1 });
  const proof: string = key.proof({ method: 'GET', url: 'http://127.0.0.1/', accessToken: bound });
  const thumbprints: string[] = [jwkThumbprint(key.publicJwk), accessTokenHash(bound), certificateThumbprint('-----BEGIN CERTIFICATE-----')];
  const store: KeyStore = createMemoryKeyStore({ clock: createTestClock() });
  const held = await store.lock?.('a', 1000);
  await held?.release();
  void token; void stats; void IssuerConfigError; void proof; void isKeyStoreConflict; void thumbprints;
  return issuer.keys('a');
}
// @ts-expect-error: the algorithm is a closed union
export const bad: IssuerOptions = { algorithm: 'RS512' };
// @ts-expect-error: DPoP proofs are signed with asymmetric algorithms only
export const badProofKey = createDpopKey({ alg: 'HS256' });
// @ts-expect-error: a certificate is PEM text, DER bytes or an X509Certificate
export const badCertificate = certificateThumbprint(42);
`;

describe('built @tollgate/issuer', () => {
  it('type-checks a consumer under nodenext (ESM and CJS) and node10 resolution', async () => {
    // The @ts-expect-error lines also prove the types resolved: were they `any`, they would be unused.
    await Promise.all([
      typecheck(project.dir, 'consumer.mts', CONSUMER, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.cts', CONSUMER, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.ts', CONSUMER, { module: 'commonjs', moduleResolution: 'node10' }),
    ]);
  }, 120_000);

  it('imports as ESM, starts, serves, and exits once closed', async () => {
    const out = await runScript(
      project.dir,
      'smoke.mjs',
      smoke("import { accessTokenHash, createDpopKey, createIssuer, jwkThumbprint } from '@tollgate/issuer';"),
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('requires as CommonJS, starts, serves, and exits once closed', async () => {
    const load = "const { accessTokenHash, createDpopKey, createIssuer, jwkThumbprint } = require('@tollgate/issuer');";
    const out = await runScript(
      project.dir,
      'smoke.cjs',
      `(async () => {${smoke(load)}})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('runs the bin: serve prints its URLs, token mints for it, proof gets a DPoP token, SIGTERM stops it with status 0', async () => {
    const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json', '--keys', keyDir], {
      cwd: issuerDir,
    });
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

      const token = (await bin(['token', '--keys', keyDir, '--port', port, '--sub', 'bin-user'])).trim();
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
        issuer: baseUrl,
        audience: 'api://default',
      });
      expect(payload.sub).toBe('bin-user');

      const proof = (
        await bin(['proof', '--key', join(keyDir, 'dpop.json'), '--method', 'POST', '--url', `${baseUrl}/token`])
      ).trim();
      const res = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa('tollgate-dev:tollgate-dev-secret')}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop: proof,
        },
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
