// @ts-check
// Runs before the demo: builds what it runs (the packages' dist/ and the NestJS example) when a
// build is missing or older than its sources. CI has built already, so there this does nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Newest modification time under `dir`, ignoring tests. */
function newest(/** @type {string} */ dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) time = Math.max(time, newest(path));
    else if (!entry.name.endsWith('.test.ts')) time = Math.max(time, statSync(path).mtimeMs);
  }
  return time;
}

/** True when one of `outputs` is missing or older than the newest of `inputs`. */
function stale(/** @type {string} */ dir, /** @type {string[]} */ outputs, /** @type {string[]} */ inputs) {
  const paths = outputs.map((output) => join(dir, output));
  if (paths.some((path) => !existsSync(path))) return true;
  const built = Math.min(...paths.map((path) => statSync(path).mtimeMs));
  const sources = Math.max(
    ...inputs
      .map((input) => join(dir, input))
      .filter(existsSync)
      .map((path) => (statSync(path).isDirectory() ? newest(path) : statSync(path).mtimeMs)),
  );
  return built < sources;
}

/** Runs pnpm: the same pnpm that runs this script (npm_execpath), or the one on PATH. */
function pnpm(/** @type {string[]} */ args) {
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && /\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []];
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo: \`pnpm ${args.join(' ')}\` failed`);
    process.exit(result.status ?? 1);
  }
}

const packages = ['core', 'issuer', 'express', 'koa', 'nestjs', 'redis'];
const outdated = packages.filter((name) =>
  stale(
    join(root, 'packages', name),
    ['dist/index.mjs', 'dist/index.d.mts'],
    ['src', 'tsdown.config.ts', 'package.json'],
  ),
);
if (outdated.length > 0) {
  console.log(`demo: building the packages first (${outdated.join(', ')} not built or out of date)…`);
  pnpm(['build']);
}
if (
  stale(
    join(root, 'examples', 'nestjs-service'),
    ['dist/app.js', 'dist/main.js'],
    ['src', 'tsconfig.json', 'tsconfig.build.json'],
  )
) {
  console.log('demo: building the NestJS example…');
  pnpm(['--filter', '@tollgate/example-nestjs-service', 'run', 'build']);
}
