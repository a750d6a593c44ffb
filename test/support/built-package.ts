// Helpers for tests of the published build (dist/), not the sources: build when stale, run Node
// scripts against the ESM and CJS entries, and type-check a consumer of the declarations.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

/** Directory of `packages/<name>`. */
export const packageDir = (name: string): string => join(packagesDir, name);

async function newest(dir: string): Promise<number> {
  let time = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.endsWith('.test.ts')) continue;
    time = Math.max(time, entry.isDirectory() ? await newest(path) : (await stat(path)).mtimeMs);
  }
  return time;
}

/**
 * Builds `packages/<name>` unless every dist entry is newer than its sources and config. Test files
 * run in parallel processes and tsdown empties dist/ first, so builds of one package take a lock:
 * a second caller waits, then finds dist/ fresh.
 */
export async function ensureBuilt(name: string): Promise<void> {
  const dir = packageDir(name);
  const stale = async () => {
    const sources = Math.max(await newest(join(dir, 'src')), (await stat(join(dir, 'tsdown.config.ts'))).mtimeMs);
    const built = await Promise.all(
      ['index.mjs', 'index.cjs', 'index.d.mts', 'index.d.cts'].map((f) =>
        stat(join(dir, 'dist', f)).then(
          (s) => s.mtimeMs,
          () => 0,
        ),
      ),
    );
    return Math.min(...built) < sources;
  };
  if (!(await stale())) return;
  await withLock(join(tmpdir(), `tollgate-build-${name}.lock`), async () => {
    if (await stale()) await run('pnpm', ['run', 'build'], { cwd: dir, timeout: 120_000 });
  });
}

/** Runs `fn` holding a lock directory; a lock older than `staleMs` is taken over (its holder died). */
async function withLock<T>(lock: string, fn: () => Promise<T>, staleMs = 180_000): Promise<T> {
  const deadline = Date.now() + staleMs;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs || Date.now() > deadline) await rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * A scratch project whose `node_modules` links the given packages (name → directory), as a
 * consumer that installed them would see them. Removed by `dispose()`.
 */
export async function scratchProject(
  links: Record<string, string>,
  type: 'module' | 'commonjs',
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-consumer-'));
  for (const [name, target] of Object.entries(links)) {
    const at = join(dir, 'node_modules', name);
    await mkdir(dirname(at), { recursive: true });
    await symlink(target, at, 'dir');
  }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ private: true, type }));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `source` as a file of the project with Node; a dangling handle shows up as the timeout. */
export async function runScript(dir: string, file: string, source: string, timeoutMs = 15_000): Promise<string> {
  await writeFile(join(dir, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: timeoutMs });
  return stdout;
}

/** Type-checks `source` as `file` of the project with the workspace's TypeScript; rejects with tsc's output. */
export async function typecheck(
  dir: string,
  file: string,
  source: string,
  compilerOptions: Record<string, unknown>,
): Promise<void> {
  await writeFile(join(dir, file), source);
  // skipLibCheck: checking @types/node per run is slow; the consumer's code is still checked against our declarations.
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
      target: 'ES2022',
      ...compilerOptions,
    },
    files: [file],
  };
  const project = join(dir, `tsconfig.${file}.json`);
  await writeFile(project, JSON.stringify(tsconfig));
  const tsc = join(packagesDir, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', project], { cwd: dir, timeout: 90_000 }).catch(
    (err: Error & { stdout?: string }) => {
      throw new Error(`tsc failed for ${file} ${JSON.stringify(compilerOptions)}:\n${err.stdout ?? String(err)}`);
    },
  );
}
