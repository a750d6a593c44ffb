// A CommonJS Nest app, as `nest new` creates it, consuming the *built* @tollgate/nestjs through
// require(): compiled with tsc to CommonJS, run with plain node against a real issuer, and tested
// by its own Jest suite — Jest being where requiring an ESM-only dependency from CommonJS breaks.
//
// The app is "installed" into a temporary directory the way a registry install would lay it out:
// @tollgate/nestjs and @tollgate/core as copies of their package.json + dist (so nothing resolves
// to workspace sources), everything else linked to the workspace's installed packages.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/built-package.js';
import { startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/nest-cjs-app');
const at = (path: string) => realpathSync(join(ROOT, path));

/** Lays out `dir/node_modules` as an install of the fixture's dependencies would. */
function install(dir: string): void {
  const modules = join(dir, 'node_modules');
  const link = (name: string, target: string) => {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(target, join(modules, name), 'dir');
  };
  for (const pkg of ['core', 'nestjs']) {
    const into = join(modules, '@tollgate', pkg);
    mkdirSync(into, { recursive: true });
    cpSync(join(ROOT, 'packages', pkg, 'package.json'), join(into, 'package.json'));
    cpSync(join(ROOT, 'packages', pkg, 'dist'), join(into, 'dist'), { recursive: true });
  }
  // The core's runtime dependencies, whatever they are at the time.
  const core = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  for (const name of Object.keys(core.dependencies ?? {})) link(name, at(`packages/core/node_modules/${name}`));
  for (const name of [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/testing',
    'reflect-metadata',
    'rxjs',
    '@types/node',
    'typescript',
    'jest',
    'ts-jest',
    '@jest/globals',
  ]) {
    link(name, at(`test/node_modules/${name}`));
  }
}

/** Where NestJS 11 (the previous major, still CommonJS) is installed, by package name. */
function nest11(): Record<string, string> {
  return Object.fromEntries(
    ['common', 'core', 'testing', 'platform-express'].map((name) => [
      `@nestjs/${name}`,
      at(`test/node_modules/nestjs-${name}-11`),
    ]),
  );
}

/** Jest's moduleNameMapper for Nest 11: Jest cannot require Nest 12's ESM-only packages on Node < 24.9. */
function nest11Mapper(): Record<string, string> {
  const mapper: Record<string, string> = {};
  for (const [name, dir] of Object.entries(nest11())) {
    mapper[`^${name}$`] = dir;
    mapper[`^${name}/(.*)$`] = `${dir}/$1`;
  }
  return mapper;
}

/**
 * A `node --require` hook that resolves @nestjs/* to Nest 11 for the whole process (the app, our
 * dist, and Nest's own cross-package requires), as an app installed with Nest 11 would see it.
 */
function writeNest11Hook(dir: string): string {
  const file = join(dir, 'nest11-hook.cjs');
  writeFileSync(
    file,
    `const Module = require('node:module');
const map = ${JSON.stringify(nest11())};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  for (const [name, target] of Object.entries(map)) {
    if (request === name || request.startsWith(name + '/')) return resolve.call(this, target + request.slice(name.length), ...rest);
  }
  return resolve.call(this, request, ...rest);
};
`,
  );
  return file;
}

function startApp(
  dir: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!.replace('[::1]', '127.0.0.1'));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} before listening:\n${output}`)));
  });
  return { child, url: withTimeout(url, 15_000, 'CommonJS app start'), output: () => output };
}

describe('a CommonJS Nest app consuming the built @tollgate/nestjs', () => {
  let idp: TestIssuer;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const [issuer] = await Promise.all([startIssuer(), ensureBuilt('core').then(() => ensureBuilt('nestjs'))]);
    idp = issuer;
    dir = mkdtempSync(join(tmpdir(), 'tollgate-nest-cjs-'));
    cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
    install(dir);
    env = {
      PATH: process.env.PATH,
      TOLLGATE_ISSUER: idp.issuerUrl,
      TOLLGATE_AUDIENCE: idp.audience,
      TOLLGATE_ALGORITHMS: 'RS256',
    };
    // Type-check everything (app and spec) under the app's own settings (CommonJS, node10 resolution), then build.
    const tsc = join(dir, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { cwd: dir, timeout: 60_000 });
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('compiles to CommonJS that requires the package', () => {
    const main = readdirSync(join(dir, 'dist'));
    expect(main).toContain('main.js');
  });

  /** Starts the built app, checks it over HTTP, stops it with SIGTERM; resolves to the Nest version it ran. */
  async function exercise(nodeArgs: string[], sub: string): Promise<string> {
    const app = startApp(dir, { ...env, PORT: '0' }, nodeArgs);
    try {
      const url = await app.url;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const anonymous = await fetch(`${url}/orders`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      const forbidden = await fetch(`${url}/orders`, {
        headers: { authorization: `Bearer ${await idp.mintToken({ scope: 'orders:write' })}` },
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="The token lacks the scope(s): orders:read.", scope="orders:read"',
      );
      const res = await fetch(`${url}/orders`, {
        headers: { authorization: `Bearer ${await idp.mintToken({ sub })}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { sub: string; orders: unknown[]; nest: string };
      expect(body).toMatchObject({ sub, orders: [] });
      return body.nest;
    } finally {
      app.child.kill('SIGTERM');
      const code = await withTimeout(
        new Promise((resolve) => app.child.once('exit', (c, signal) => resolve(c ?? signal))),
        10_000,
        'app shutdown',
      );
      expect([0, 'SIGTERM'], app.output()).toContain(code);
    }
  }

  it('runs with plain node on NestJS 12 (ESM-only, through require(esm)): 200, 401, 403, clean shutdown', async () => {
    expect(await exercise([], 'cjs-user')).toMatch(/^12\./);
  });

  it('runs with plain node on NestJS 11 (the previous major)', async () => {
    expect(await exercise(['--require', writeNest11Hook(dir)], 'cjs-11-user')).toMatch(/^11\./);
  });

  it("passes the app's own Jest suite (ts-jest, CommonJS, NestJS 11)", async () => {
    const jest = join(dir, 'node_modules/jest/bin/jest.js');
    const token = await idp.mintToken({ sub: 'jest-user' });
    const args = [
      jest,
      '--config',
      'test/jest-e2e.json',
      '--ci',
      '--runInBand',
      '--moduleNameMapper',
      JSON.stringify(nest11Mapper()),
    ];
    const { stderr } = await run(process.execPath, args, {
      cwd: dir,
      env: { ...env, TEST_TOKEN: token, EXPECT_NEST_MAJOR: '11' },
      timeout: 60_000,
    }).catch((error: { stdout: string; stderr: string }) => error);
    // @tollgate/core's CommonJS build must not require() an ESM-only package: Jest cannot load one.
    expect(readFileSync(join(ROOT, 'packages/core/dist/index.cjs'), 'utf8')).not.toMatch(/require\("jose"\)/);
    expect(stderr).toMatch(/Tests:\s+5 passed, 5 total/);
  }, 70_000);
});
