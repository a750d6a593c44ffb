/**
 * Proves the published builds: every entry (each package, and `@tollgate/core/adapter`) loads
 * through `require` (real CommonJS, which Jest-based Nest apps need) and through `import`, from
 * `dist/`, in a plain Node process, and both expose the same names.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageDir, scratchProject, typecheck } from '../support/built-package.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const testDir = fileURLToPath(new URL('..', import.meta.url));
const packages = ['core', 'issuer', 'express', 'koa', 'nestjs', 'redis', 'fastify', 'fetch'] as const;

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: testDir, encoding: 'utf8', timeout: 30_000 });
}

beforeAll(() => {
  const missing = packages.filter(
    (name) =>
      !existsSync(`${root}/packages/${name}/dist/index.cjs`) || !existsSync(`${root}/packages/${name}/dist/index.mjs`),
  );
  if (
    !['adapter', 'mcp'].every((entry) => existsSync(`${root}/packages/core/dist/${entry}.cjs`)) &&
    !missing.includes('core')
  )
    missing.push('core');
  // CI builds before testing; a developer running tests first gets the build done here.
  if (missing.length > 0) execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'inherit', timeout: 240_000 });
}, 300_000);

const entries = [
  ...packages.map((name) => `@tollgate/${name}`),
  '@tollgate/core/adapter',
  '@tollgate/core/mcp',
  '@tollgate/fetch/hono',
];

describe.each(entries)('%s build', (entry) => {
  it('loads with require() and import, exposing the same names', () => {
    const cjs = JSON.parse(
      node(['-e', `process.stdout.write(JSON.stringify(Object.keys(require('${entry}')).sort()))`]),
    ) as string[];
    const esm = JSON.parse(
      node([
        '--input-type=module',
        '-e',
        `const m = await import('${entry}'); process.stdout.write(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`,
      ]),
    ) as string[];
    expect(cjs.length).toBeGreaterThan(0);
    expect(esm).toEqual(cjs);
  });
});

describe('@tollgate/core/adapter build', () => {
  const ADAPTER_NAMES = [
    'DEFAULT_REALM',
    'createGate',
    'createResponder',
    'extractToken',
    'fetchRequestFacts',
    'nodeRequestFacts',
    'openGate',
    'rawHeader',
    'readCredentials',
    'resolveAdapterOptions',
    'toVerifier',
    'warmInBackground',
  ];
  // What moved out of the main entry stays out, so users see one entry for them and one for adapter authors.
  const MOVED = [
    'DEFAULT_REALM',
    'createGate',
    'createResponder',
    'nodeRequestFacts',
    'openGate',
    'readCredentials',
    'resolveAdapterOptions',
    'toVerifier',
    'warmInBackground',
  ];

  it('holds the adapter plumbing, which the main entry no longer exports', () => {
    const names = (entry: string) =>
      JSON.parse(node(['-e', `process.stdout.write(JSON.stringify(Object.keys(require('${entry}'))))`])) as string[];
    expect(names('@tollgate/core/adapter').sort()).toEqual(ADAPTER_NAMES);
    expect(names('@tollgate/core').filter((name) => MOVED.includes(name))).toEqual([]);
  });

  it.each([
    ['CommonJS', ['-e'], "const core = require('@tollgate/core'); const adapter = require('@tollgate/core/adapter');"],
    [
      'ESM',
      ['--input-type=module', '-e'],
      "const core = await import('@tollgate/core'); const adapter = await import('@tollgate/core/adapter');",
    ],
  ])('shares one implementation with the main entry (%s): same functions, same error classes', (_name, flags, load) => {
    const script = `
      ${load}
      const gate = adapter.createGate({ verify: async () => undefined, stats: () => ({}), now: () => 0 });
      const error = await Promise.resolve().then(() => gate.authenticate(adapter.nodeRequestFacts({ rawHeaders: [] }))).catch((e) => e);
      process.stdout.write(JSON.stringify([core.extractToken === adapter.extractToken, error instanceof core.TokenError, error.code]));`;
    const wrapped = flags.includes('--input-type=module') ? script : `(async () => { ${script} })();`;
    expect(JSON.parse(node([...flags, wrapped]))).toEqual([true, true, 'ERR_TOKEN_MISSING']);
  });

  it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
    const core = packageDir('core');
    const project = await scratchProject(
      { '@tollgate/core': core, '@types/node': join(core, 'node_modules', '@types', 'node') },
      'module',
    );
    // Each @ts-expect-error also proves the types resolved: were they \`any\`, it would be unused.
    const consumer = `
import { createVerifier, type Verifier } from '@tollgate/core';
import {
  createGate, nodeRequestFacts, resolveAdapterOptions, toVerifier, DEFAULT_REALM,
  type AdapterOptions, type ResolvedAdapterOptions, type VerifierSource, type RequestFacts, type RequestAuth, type Gate,
} from '@tollgate/core/adapter';
type Handler = (error: Error) => void;
const options: AdapterOptions<Handler> = { realm: DEFAULT_REALM, warmOnStart: true };
export const resolved: ResolvedAdapterOptions<Handler> = resolveAdapterOptions<Handler>(options, { where: 'serve()', onErrorSignature: '(err)', verifierOptionsGo: 'first' });
const source: VerifierSource = createVerifier({ jwksUri: 'https://a.example/jwks', audience: 'a', algorithms: ['RS256'] });
export const verifier: Verifier = toVerifier(source);
const facts: RequestFacts = nodeRequestFacts({ rawHeaders: ['Authorization', 'Bearer x'], method: 'GET', url: '/' });
const gate: Gate = createGate(verifier, { credentialsOptional: true });
export const result: RequestAuth | undefined | Promise<RequestAuth | undefined> = gate.authenticate(facts);
// @ts-expect-error: warmOnStart is a boolean
export const bad: AdapterOptions<Handler> = { warmOnStart: 'yes' };
`;
    try {
      await Promise.all([
        typecheck(project.dir, 'consumer.mts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
        typecheck(project.dir, 'consumer.cts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
        typecheck(project.dir, 'consumer.ts', consumer, { module: 'commonjs', moduleResolution: 'node10' }),
      ]);
    } finally {
      await project.dispose();
    }
  }, 120_000);
});

describe('@tollgate/core/mcp build', () => {
  it('holds the MCP SDK bridge, and the core depends on nothing of the SDK', () => {
    const names = JSON.parse(
      node(['-e', "process.stdout.write(JSON.stringify(Object.keys(require('@tollgate/core/mcp'))))"]),
    ) as string[];
    expect(names.sort()).toEqual(['mcpAuthInfo', 'mcpTokenVerifier', 'toMcpAuthInfo']);
    const manifest = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    );
    expect(declared.filter((name) => name.includes('modelcontextprotocol'))).toEqual([]);
  });
});

describe('@tollgate/core build', () => {
  it('verifies a token through the CommonJS build (real work, not just loading)', () => {
    const script = `
      const { createVerifier, isTollgateError } = require('@tollgate/core');
      const crypto = require('node:crypto');
      const secret = 'x'.repeat(32);
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = b64({ alg: 'HS256' }) + '.' + b64({ aud: 'a', exp: Math.floor(Date.now() / 1000) + 60 });
      const token = input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
      const v = createVerifier({ audience: 'a', algorithms: ['HS256'], hs256: { secrets: [secret] } });
      v.verify(token).then(async (r) => {
        const bad = await v.verify(token + 'x').catch((e) => e);
        process.stdout.write(JSON.stringify([r.alg, isTollgateError(bad), bad.code]));
      });`;
    expect(JSON.parse(node(['-e', script]))).toEqual(['HS256', true, 'ERR_TOKEN_SIGNATURE_INVALID']);
  });

  it('recognises an error from the ESM copy in the CommonJS copy (dual package hazard)', () => {
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import('@tollgate/core');
      const cjs = createRequire(process.cwd() + '/')('@tollgate/core');
      const error = new esm.TokenError('ERR_TOKEN_MALFORMED', 'x');
      process.stdout.write(JSON.stringify([esm.TokenError === cjs.TokenError, error instanceof cjs.TollgateError, cjs.isTollgateError(error)]));`;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([false, false, true]);
  });

  it("answers a CommonJS Express guard's refusal with the options of the ESM verify() before it", () => {
    // The guard finds the gate of the verify() that let the request in, even from the other copy.
    const script = `
      import { createRequire } from 'node:module';
      import crypto from 'node:crypto';
      const require = createRequire(process.cwd() + '/');
      const express = require('express');
      const esm = await import('@tollgate/express');
      const cjs = require('@tollgate/express');
      const secret = 'a-secret-of-at-least-32-bytes-long!!';
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = b64({ alg: 'HS256' }) + '.' + b64({ aud: 'a', scope: 'read', exp: Math.floor(Date.now() / 1000) + 60 });
      const token = input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
      const app = express();
      app.use(esm.verify({ audience: 'a', algorithms: ['HS256'], hs256: { secrets: [secret] }, logger: false }, { realm: 'esm-realm' }));
      app.get('/', cjs.requireScopes('write'), (req, res) => res.json({ ok: true }));
      const server = app.listen(0, '127.0.0.1', async () => {
        const res = await fetch('http://127.0.0.1:' + server.address().port + '/', { headers: { authorization: 'Bearer ' + token } });
        process.stdout.write(JSON.stringify([res.status, res.headers.get('www-authenticate')]));
        server.close();
      });`;
    const [status, challenge] = JSON.parse(node(['--input-type=module', '-e', script])) as [number, string];
    expect([status, challenge.startsWith('Bearer realm="esm-realm"')]).toEqual([403, true]);
  });
});
