#!/usr/bin/env node
// `pnpm bench`: in-process verification, HTTP, key-fetch discipline and memory, in one run.
//   --quick                 short rounds for development (~2 min)
//   --only=inprocess,http   run some sections (inprocess, http, fetch, memory, dpop, revocation)
//   --fresh-fixtures        re-sign tokens even if the cached set is still valid
//   --no-write              do not rewrite RESULTS.md (results/*.json are always written)
//   --build                 run pnpm build first (otherwise only when a dist is missing)
//   --no-pin                do not pin in-process children to one CPU (taskset)
//   --algs=RS256,ES256      in-process: only these algorithms
//   --contenders=floor,tollgate   in-process: only these contenders
//   --rounds=N --round-ms=N in-process: override rounds and round length
//   --frameworks=express,koa,nest   HTTP: only these frameworks (express, koa, nest, nest-fastify, fastify)
//   --http-rounds=N --http-sec=N    HTTP: override rounds and seconds per run
//   --dpop-algs=ES256,EdDSA  DPoP: proof algorithms in-process (default ES256)
//   --no-dpop-http           DPoP: in-process only, no Express rows
// Figures are reported, never asserted: nothing here fails because a number is low.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJwksServer } from '../../packages/core/src/testing/jwks-server.mjs';
import { benchJwksOptions, ensureFixtures, loadMaterial, RESULTS_DIR } from './lib/fixtures.mjs';
import { mark, table } from './lib/report.mjs';
import { inProcessGoals, inProcessMarkdown, runInProcess } from './sections/inprocess.mjs';
import { httpGoals, httpMarkdown, runHttp } from './sections/http.mjs';
import { fetchGoals, fetchMarkdown, runFetch } from './sections/fetch.mjs';
import { memoryGoals, memoryMarkdown, runMemory } from './sections/memory.mjs';
import { dpopGoals, dpopMarkdown, runDpop } from './sections/dpop.mjs';
import { revocationGoals, revocationMarkdown, runRevocation } from './sections/revocation.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const SECTIONS = ['inprocess', 'http', 'fetch', 'memory', 'dpop', 'revocation'];
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : SECTIONS;
for (const s of only)
  if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s}; use ${SECTIONS.join(', ')}`);

const SETTINGS = quick
  ? {
      inprocess: { rounds: 3, roundMs: 100, warmMs: 150 },
      http: { rounds: 1, durationSec: 1.5, warmSec: 0.5, connections: 50 },
      fetch: { burst: 1000, floodTokens: 1000, floodMs: 1000, floodAfterSec: 45, outageTokens: 20, travelSec: 7200 },
      memory: { invalidTokens: 100_000, validTokens: 20_000 },
      dpop: {
        inprocess: { rounds: 3, roundMs: 100, warmMs: 300 },
        http: { rounds: 1, durationSec: 1.5, warmSec: 0.5, connections: 50 },
      },
      revocation: { rounds: 3, roundMs: 100, warmMs: 150, rules: 30_000, replayCount: 1000 },
    }
  : {
      inprocess: { rounds: 7, roundMs: 200, warmMs: 400 },
      // 3 s of warm-up per server: with 1 s, the first timed round still caught V8 optimising the
      // deeper of the paths compared (a NestJS guard measured 0.67x its floor in 2 x 4 s rounds and
      // 0.99x once warm), so the ratios measured warm-up, not the request path.
      http: { rounds: 3, durationSec: 4, warmSec: 3, connections: 50 },
      fetch: { burst: 1000, floodTokens: 5000, floodMs: 5000, floodAfterSec: 45, outageTokens: 100, travelSec: 7200 },
      memory: { invalidTokens: 1_000_000, validTokens: 100_000 },
      dpop: {
        inprocess: { rounds: 7, roundMs: 200, warmMs: 600 },
        http: { rounds: 2, durationSec: 4, warmSec: 1, connections: 50 },
      },
      revocation: { rounds: 7, roundMs: 200, warmMs: 400, rules: 30_000, replayCount: 5000 },
    };

const listArg = (name) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(',');
const numArg = (name) => {
  const v = args.find((a) => a.startsWith(`--${name}=`));
  return v === undefined ? undefined : Number(v.slice(name.length + 3));
};
SETTINGS.inprocess.algs = listArg('algs');
SETTINGS.inprocess.contenders = listArg('contenders');
SETTINGS.inprocess.rounds = numArg('rounds') ?? SETTINGS.inprocess.rounds;
SETTINGS.inprocess.roundMs = numArg('round-ms') ?? SETTINGS.inprocess.roundMs;
// One core for the in-process section: the last CPU (the orchestrator and the JWKS server stay unpinned).
if (!args.includes('--no-pin')) SETTINGS.inprocess.cpu = cpus().length - 1;
SETTINGS.http.frameworks = listArg('frameworks');
SETTINGS.http.rounds = numArg('http-rounds') ?? SETTINGS.http.rounds;
SETTINGS.http.durationSec = numArg('http-sec') ?? SETTINGS.http.durationSec;
SETTINGS.dpop.inprocess.proofAlgs = listArg('dpop-algs') ?? ['ES256'];
SETTINGS.dpop.inprocess.cpu = SETTINGS.inprocess.cpu;
if (args.includes('--no-dpop-http')) SETTINGS.dpop.http = null;
SETTINGS.revocation.cpu = SETTINGS.inprocess.cpu;

const log = (...m) => console.log(...m);

const PACKAGES = ['core', 'issuer', 'express', 'koa', 'nestjs', 'redis'];

/** Newest modification time of the non-test sources of a package. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds when a dist is missing (or with --build); reports packages whose dist is older than their sources. */
function ensureBuilt() {
  const missing = PACKAGES.filter((p) => !existsSync(join(root, 'packages', p, 'dist', 'index.mjs')));
  let built = false;
  if (missing.length > 0 || args.includes('--build')) {
    log(
      missing.length > 0
        ? `dist missing for ${missing.join(', ')}: running pnpm build`
        : 'running pnpm build (--build)',
    );
    execFileSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
    built = true;
  }
  const stale = PACKAGES.filter(
    (p) =>
      statSync(join(root, 'packages', p, 'dist', 'index.mjs')).mtimeMs < newestSource(join(root, 'packages', p, 'src')),
  );
  if (stale.length > 0)
    log(
      `warning: dist is older than src for ${stale.join(', ')} — the bench measures dist; run pnpm build (or pass --build) to measure the current sources`,
    );
  return { built, stale };
}

function versions() {
  const names = [
    'jose',
    'jsonwebtoken',
    'jwks-rsa',
    'fast-jwt',
    'get-jwks',
    'aws-jwt-verify',
    'express',
    'express-jwt',
    'express-oauth2-jwt-bearer',
    'koa',
    'koa-jwt',
    '@nestjs/core',
    '@nestjs/platform-fastify',
    '@nestjs/passport',
    'passport-jwt',
    'autocannon',
  ];
  const out = {};
  for (const name of names) {
    try {
      out[name] = JSON.parse(readFileSync(join(root, 'test', 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      out[name] = null;
    }
  }
  out['@tollgate/core'] = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8')).version;
  return out;
}

function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${rev} (packages/ has uncommitted changes)` : rev;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const t0 = performance.now();
  const startedAt = new Date();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openssl: process.versions.openssl,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  log(
    `tollgate bench (${quick ? 'quick' : 'full'}) — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  const durations = {};
  let t = performance.now();
  const built = ensureBuilt();
  const fixtures = await ensureFixtures({ fresh: args.includes('--fresh-fixtures'), log });
  durations.setup = (performance.now() - t) / 1000;
  const material = loadMaterial();
  const jwks = await startJwksServer(benchJwksOptions(Object.values(material.keys).map((k) => k.publicJwk)));

  const results = {
    meta: {
      date: startedAt.toISOString(),
      mode: quick ? 'quick' : 'full',
      machine,
      versions: versions(),
      revision: gitRevision(),
      build: built,
      fixtures: { reused: fixtures.reused, signedAt: new Date(material.signedAtSec * 1000).toISOString() },
      sections: only,
      durations,
    },
  };
  const goals = [];
  const markdown = [];
  try {
    if (only.includes('inprocess')) {
      log('\n== in-process verification');
      t = performance.now();
      results.inprocess = await runInProcess({ jwksUri: jwks.jwksUri, settings: SETTINGS.inprocess, log });
      durations.inprocess = (performance.now() - t) / 1000;
      goals.push(...inProcessGoals(results.inprocess));
      markdown.push(`## In-process verification (one core, warm key cache)\n\n${inProcessMarkdown(results.inprocess)}`);
    }
    if (only.includes('http')) {
      log('\n== HTTP');
      t = performance.now();
      results.http = await runHttp({ jwksUri: jwks.jwksUri, settings: SETTINGS.http, log });
      durations.http = (performance.now() - t) / 1000;
      goals.push(...httpGoals(results.http));
      markdown.push(`## HTTP (autocannon on 127.0.0.1)\n\n${httpMarkdown(results.http)}`);
    }
    if (only.includes('fetch')) {
      log('\n== key-fetch discipline');
      t = performance.now();
      results.fetch = await runFetch({ settings: SETTINGS.fetch, log });
      durations.fetch = (performance.now() - t) / 1000;
      goals.push(...fetchGoals(results.fetch));
      markdown.push(`## Key-fetch discipline\n\n${fetchMarkdown(results.fetch)}`);
    }
    if (only.includes('memory')) {
      log('\n== memory');
      t = performance.now();
      results.memory = await runMemory({ jwksUri: jwks.jwksUri, settings: SETTINGS.memory, log });
      durations.memory = (performance.now() - t) / 1000;
      goals.push(...memoryGoals(results.memory));
      markdown.push(`## Memory\n\n${memoryMarkdown(results.memory)}`);
    }
    if (only.includes('dpop')) {
      log('\n== DPoP request cost');
      t = performance.now();
      results.dpop = await runDpop({ jwksUri: jwks.jwksUri, settings: SETTINGS.dpop, log });
      durations.dpop = (performance.now() - t) / 1000;
      goals.push(...dpopGoals(results.dpop));
      markdown.push(`## DPoP request cost\n\n${dpopMarkdown(results.dpop)}`);
    }
    if (only.includes('revocation')) {
      log('\n== revocation check and Redis replay round trip');
      t = performance.now();
      results.revocation = await runRevocation({ jwksUri: jwks.jwksUri, settings: SETTINGS.revocation, log });
      durations.revocation = (performance.now() - t) / 1000;
      goals.push(...revocationGoals(results.revocation));
      markdown.push(`## Revocation check and Redis replay round trip\n\n${revocationMarkdown(results.revocation)}`);
    }
  } finally {
    await jwks.close();
  }
  durations.total = (performance.now() - t0) / 1000;
  machine.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  results.goals = goals;

  const header = [
    `# tollgate benchmark results`,
    '',
    `Run ${results.meta.date} (${results.meta.mode} mode${quick ? ' — short rounds, figures are rough' : ''}) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (OpenSSL ${machine.openssl}), ${machine.os}. ` +
      `Load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end (1/5/15 min; above ~0.3 means other work shared the machine). Revision ${results.meta.revision}${built.stale.length > 0 ? ` (dist older than src for ${built.stale.join(', ')})` : ''}. ` +
      `Regenerate with \`pnpm bench\`; how it measures: [README.md](./README.md).`,
    '',
    `Sections and durations: ${Object.entries(durations)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')}.`,
    '',
    '## Goals (informational; never asserted)',
    '',
    table(
      ['goal', 'measured', ''],
      goals.map((g) => [g.goal, g.measured, mark(g.pass)]),
      ['l', 'l', 'l'],
    ),
    '',
  ].join('\n');
  const md = `${header}\n${markdown.join('\n\n')}\n`;
  log(`\n${md}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = results.meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2));
  writeFileSync(join(RESULTS_DIR, `${stamp}-${results.meta.mode}.json`), JSON.stringify(results, null, 2));
  writeFileSync(join(RESULTS_DIR, 'latest.md'), md);
  const complete = !quick && only.length === SECTIONS.length;
  if (complete && !args.includes('--no-write')) writeFileSync(join(here, 'RESULTS.md'), md);
  log(
    `wrote ${join('test/bench/results', 'latest.json')}${complete ? ' and test/bench/RESULTS.md' : ' (RESULTS.md is only rewritten by a full run of every section)'} — total ${durations.total.toFixed(0)} s`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
