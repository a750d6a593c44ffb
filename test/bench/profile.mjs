#!/usr/bin/env node
// Profiles one contender's hot loop, for finding where a verifier spends its time.
//   node test/bench/profile.mjs <contender> <alg> [distinct|repeated] [seconds]
// Writes results/profiles/<contender>-<alg>-<workload>.cpuprofile (open it in Chrome
// DevTools or VS Code) and prints self time by function, top 25.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR } from './lib/fixtures.mjs';

const [contender = 'tollgate', alg = 'RS256', workload = 'distinct', seconds = '5'] = process.argv.slice(2);

if (process.env.TOLLGATE_BENCH_PROFILE_CHILD) {
  const { AUDIENCE, ISSUER, loadMaterial, loadTokens } = await import('./lib/fixtures.mjs');
  const { loadContender } = await import('./lib/contenders.mjs');
  const { startJwksServer } = await import('./lib/jwks-server.mjs');
  const material = loadMaterial();
  const tokens = loadTokens(alg);
  const jwks = await startJwksServer(Object.values(material.keys).map((k) => k.publicJwk));
  const mod = await loadContender(contender);
  const instance = await mod.setup({ alg, issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.jwksUri, key: material.keys[alg], hsSecret: material.hsSecret });
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
  const run = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(import.meta.url), contender, alg, workload, seconds], {
    env: { ...process.env, TOLLGATE_BENCH_PROFILE_CHILD: '1' },
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  const target = join(dir, `${contender}-${alg}-${workload}.cpuprofile`);
  renameSync(join(dir, file), target);
  const profile = JSON.parse(readFileSync(target, 'utf8'));
  const self = new Map();
  const dt = new Map();
  profile.samples.forEach((id, k) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
  let total = 0;
  for (const node of profile.nodes) {
    const t = dt.get(node.id) ?? 0;
    total += t;
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/packages\//, 'packages/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
  }
  console.log(`\nself time, top 25 of ${(total / 1000).toFixed(0)} ms — ${target}`);
  for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
