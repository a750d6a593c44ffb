#!/usr/bin/env node
// Profiles one contender's hot loop, or one HTTP server under autocannon, for finding where
// the time goes.
//   node test/bench/profile.mjs <contender> <alg> [distinct|repeated] [seconds]
//   node test/bench/profile.mjs --http <express|koa|nest|nest-fastify|fastify> <mode> [distinct|repeated] [seconds]
// Writes results/profiles/<name>.cpuprofile (open it in Chrome DevTools or VS Code) and
// prints self time by function, top 25.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from './lib/fixtures.mjs';

const httpMode = process.argv[2] === '--http';
const [contender = 'tollgate', alg = 'RS256', workload = 'distinct', seconds = '5'] = process.argv.slice(
  httpMode ? 3 : 2,
);

if (process.env.TOLLGATE_BENCH_PROFILE_CHILD) {
  const { AUDIENCE, ISSUER, benchJwksOptions, loadMaterial, loadTokens } = await import('./lib/fixtures.mjs');
  const { loadContender } = await import('./lib/contenders.mjs');
  const { startJwksServer } = await import('../../packages/core/src/testing/jwks-server.mjs');
  const material = loadMaterial();
  const tokens = loadTokens(alg);
  const jwks = await startJwksServer(benchJwksOptions(Object.values(material.keys).map((k) => k.publicJwk)));
  const mod = await loadContender(contender);
  const instance = await mod.setup({
    alg,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: jwks.jwksUri,
    key: material.keys[alg],
    hsSecret: material.hsSecret,
  });
  const list = workload === 'repeated' ? [tokens.distinct[0]] : tokens.distinct;
  const deadline = performance.now() + Number(seconds) * 1000;
  let ops = 0;
  let i = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 100; k++) {
      const r = instance.verify(list[i]);
      if (r && typeof r.then === 'function') await r;
      i = (i + 1) % list.length;
    }
    ops += 100;
  }
  console.log(`${contender} ${alg} ${workload}: ${Math.round(ops / Number(seconds))} ops/s under the profiler`);
  await instance.close?.();
  await jwks.close();
} else {
  const dir = join(RESULTS_DIR, 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  let name;
  if (httpMode) {
    // Here `contender` is the framework and `alg` the mode (none, floor, tollgate, ...).
    name = `http-${contender}-${alg}-${workload}`;
    await profileHttp(contender, alg, workload, Number(seconds), dir);
  } else {
    name = `${contender}-${alg}-${workload}`;
    const run = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(import.meta.url), contender, alg, workload, seconds],
      {
        env: { ...process.env, TOLLGATE_BENCH_PROFILE_CHILD: '1' },
        stdio: 'inherit',
      },
    );
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  const target = join(dir, `${name}.cpuprofile`);
  renameSync(join(dir, file), target);
  summarize(target);
}

async function profileHttp(framework, mode, workload, seconds, dir) {
  const { startChild } = await import('./lib/child.mjs');
  const { benchJwksOptions, loadMaterial, loadTokens } = await import('./lib/fixtures.mjs');
  const { startJwksServer } = await import('../../packages/core/src/testing/jwks-server.mjs');
  const autocannon = (await import('autocannon')).default;
  const material = loadMaterial();
  const tokens = loadTokens('RS256').distinct;
  const list = workload === 'repeated' ? [tokens[0]] : tokens;
  const jwks = await startJwksServer(benchJwksOptions(Object.values(material.keys).map((k) => k.publicJwk)));
  const server = await startChild(
    fileURLToPath(new URL('./children/http-server.mjs', import.meta.url)),
    [JSON.stringify({ framework, mode, jwksUri: jwks.jwksUri, alg: 'RS256' })],
    {
      execArgv: ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${dir}`],
    },
  );
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${server.ready.port}`,
    connections: 50,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: '/orders',
        setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${list[i++ % list.length]}` } }),
      },
    ],
  });
  console.log(
    `${framework} ${mode} ${workload}: ${Math.round(result.requests.average)} req/s under the profiler, ${result.non2xx} non-2xx`,
  );
  await server.stop(15_000);
  await jwks.close();
}

function summarize(target) {
  const profile = JSON.parse(readFileSync(target, 'utf8'));
  const self = new Map();
  const dt = new Map();
  profile.samples.forEach((id, k) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
  let total = 0;
  for (const node of profile.nodes) {
    const t = dt.get(node.id) ?? 0;
    total += t;
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, 'packages/')}:${f.lineNumber + 1}`
      : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
  }
  console.log(`\nself time, top 25 of ${(total / 1000).toFixed(0)} ms — ${target}`);
  for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
