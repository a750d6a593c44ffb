// In-process verification: every contender in its own child, rounds interleaved.
import { fileURLToPath } from 'node:url';
import { ALGS } from '../lib/fixtures.mjs';
import { startChild } from '../lib/child.mjs';
import { CONTENDERS, loadContender } from '../lib/contenders.mjs';
import { mark, num, ratio, summarize, table, x } from '../lib/report.mjs';

const CHILD = fileURLToPath(new URL('../children/inprocess.mjs', import.meta.url));
const WORKLOADS = ['distinct', 'repeated'];

export async function runInProcess({ jwksUri, settings, log }) {
  const infos = {};
  for (const id of CONTENDERS) infos[id] = (await loadContender(id)).info;
  const results = {
    settings: {
      rounds: settings.rounds,
      roundMs: settings.roundMs,
      warmMs: settings.warmMs,
      cpu: settings.cpu ?? null,
      pinned: settings.cpu !== undefined,
    },
    contenders: {},
    algs: {},
  };
  for (const id of CONTENDERS)
    results.contenders[id] = {
      label: infos[id].label,
      checks: infos[id].checks,
      kind: infos[id].kind,
      algs: infos[id].algs,
    };

  for (const alg of settings.algs ?? ALGS) {
    const started = performance.now();
    const ids = CONTENDERS.filter(
      (id) => infos[id].algs.includes(alg) && (!settings.contenders || settings.contenders.includes(id)),
    );
    const children = {};
    const rows = {};
    // Children start together (start-up is not timed); timing starts once all are ready.
    await Promise.all(
      ids.map(async (id) => {
        rows[id] = {
          validation: null,
          samples: { distinct: [], repeated: [] },
          cpuSamples: { distinct: [], repeated: [] },
          errors: [],
        };
        try {
          const child = await startChild(
            CHILD,
            [JSON.stringify({ contender: id, alg, jwksUri, warmMs: settings.warmMs })],
            { cpu: settings.cpu },
          );
          if (settings.cpu !== undefined && !child.pinned) results.settings.pinned = false;
          rows[id].validation = child.ready.validation;
          if (child.ready.validation.ok) children[id] = child;
          else {
            log(`  ${alg} ${id}: validation failed ${JSON.stringify(child.ready.validation.cases)}`);
            await child.stop();
          }
        } catch (error) {
          rows[id].errors.push(String(error.message ?? error).slice(0, 300));
          log(`  ${alg} ${id}: could not start: ${error.message}`);
        }
      }),
    );
    // A short pause so start-up work (GC, JIT on other threads) settles before the first round.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const live = ids.filter((id) => children[id]);
    for (let round = 0; round < settings.rounds; round++) {
      // Round-robin: each round starts with the next contender, and alternates the workload order.
      const order = live.map((_, i) => live[(i + round) % live.length]);
      const workloads = round % 2 === 0 ? WORKLOADS : [...WORKLOADS].reverse();
      for (const id of order) {
        for (const workload of workloads) {
          const reply = await children[id].request(
            { type: 'run', workload, ms: settings.roundMs },
            'result',
            settings.roundMs + 120_000,
          );
          if (reply.error) rows[id].errors.push(`${workload}: ${reply.error}`);
          else {
            rows[id].samples[workload].push(reply.ops / reply.seconds);
            rows[id].cpuSamples[workload].push(reply.ops / reply.cpuSeconds);
          }
        }
      }
    }
    for (const id of live) {
      const { stats } = await children[id].request({ type: 'stats' }, 'stats', 10_000);
      if (stats) rows[id].tokenCache = stats.tokenCache ?? stats.cache ?? null;
      await children[id].stop();
    }
    results.algs[alg] = { seconds: (performance.now() - started) / 1000, rows: {} };
    for (const id of ids) {
      const r = rows[id];
      results.algs[alg].rows[id] = {
        validation: r.validation,
        errors: r.errors,
        distinct: summarize(r.samples.distinct),
        repeated: summarize(r.samples.repeated),
        cpu: { distinct: summarize(r.cpuSamples.distinct), repeated: summarize(r.cpuSamples.repeated) },
        samples: r.samples,
        cpuSamples: r.cpuSamples,
        ...(r.tokenCache ? { tokenCache: r.tokenCache } : {}),
      };
    }
    log(
      `  ${alg}: ${ids.length} contenders, ${settings.rounds} rounds in ${results.algs[alg].seconds.toFixed(1)} s — ` +
        ids.map((id) => `${id} ${num(results.algs[alg].rows[id].distinct?.median ?? null)}`).join(', '),
    );
  }
  addRatios(results);
  return results;
}

/** Ratios to the floor and to the best peer (neither floor nor tollgate), per algorithm and workload. */
function addRatios(results) {
  for (const alg of Object.keys(results.algs)) {
    const rows = results.algs[alg].rows;
    for (const workload of WORKLOADS) {
      const floor = rows.floor?.[workload]?.median ?? null;
      let best = null;
      for (const [id, row] of Object.entries(rows)) {
        if (results.contenders[id].kind !== 'peer' || !row[workload]) continue;
        if (best === null || row[workload].median > best.median) best = { id, median: row[workload].median };
      }
      results.algs[alg][`bestPeer_${workload}`] = best;
      for (const row of Object.values(rows)) {
        if (!row[workload]) continue;
        row[workload].xFloor = ratio(row[workload].median, floor);
        row[workload].xBestPeer = best ? ratio(row[workload].median, best.median) : null;
      }
      // The same ratios by CPU time: less sensitive to other processes taking the core away.
      const cpuFloor = rows.floor?.cpu?.[workload]?.median ?? null;
      let cpuBest = null;
      for (const [id, row] of Object.entries(rows)) {
        const c = row.cpu?.[workload];
        if (results.contenders[id].kind === 'peer' && c && (cpuBest === null || c.median > cpuBest)) cpuBest = c.median;
      }
      for (const row of Object.values(rows)) {
        const c = row.cpu?.[workload];
        if (!c) continue;
        c.xFloor = ratio(c.median, cpuFloor);
        c.xBestPeer = ratio(c.median, cpuBest);
      }
    }
  }
}

export function inProcessGoals(results) {
  const goals = [];
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const rows = results.algs[alg]?.rows;
    if (!rows?.tollgate?.distinct) continue;
    const t = rows.tollgate.distinct;
    const c = rows.tollgate.cpu?.distinct;
    goals.push({
      goal: `${alg}, distinct tokens: tollgate ≥ 0.95× floor`,
      measured: `${x(t.xFloor)} (by CPU time ${x(c?.xFloor)})`,
      pass: t.xFloor >= 0.95,
    });
    const best = results.algs[alg].bestPeer_distinct;
    goals.push({
      goal: `${alg}, distinct tokens: tollgate ahead of every peer`,
      measured: best
        ? `${x(t.xBestPeer)} of the best peer, ${results.contenders[best.id].label} (by CPU time ${x(c?.xBestPeer)})`
        : '—',
      pass: best ? t.xBestPeer > 1 : null,
    });
  }
  const hs = results.algs.HS256?.rows?.tollgate;
  if (hs?.distinct)
    goals.push({
      goal: 'HS256, distinct tokens: tollgate ≥ 0.9× floor',
      measured: `${x(hs.distinct.xFloor)} (by CPU time ${x(hs.cpu?.distinct?.xFloor)})`,
      pass: hs.distinct.xFloor >= 0.9,
    });
  // A cache miss must cost next to nothing: distinct tokens (no hits) with the cache on, against off.
  for (const alg of Object.keys(results.algs)) {
    const rows = results.algs[alg].rows;
    const on = rows['tollgate-cache']?.distinct;
    const off = rows.tollgate?.distinct;
    if (!on || !off) continue;
    const byCpu = ratio(rows['tollgate-cache'].cpu?.distinct?.median, rows.tollgate.cpu?.distinct?.median);
    const wall = ratio(on.median, off.median);
    goals.push({
      goal: `${alg}, distinct tokens: token cache on ≥ 0.97× cache off`,
      measured: `${x(wall)} (by CPU time ${x(byCpu)})`,
      pass: wall >= 0.97,
    });
  }
  for (const alg of Object.keys(results.algs)) {
    const c = results.algs[alg].rows['tollgate-cache']?.repeated;
    if (!c) continue;
    goals.push({
      goal: `${alg}, repeated token, token cache on: ≥ 10× floor`,
      measured: `${x(c.xFloor)} (by CPU time ${x(results.algs[alg].rows['tollgate-cache'].cpu?.repeated?.xFloor)})`,
      pass: c.xFloor >= 10,
    });
  }
  return goals;
}

const cell = (s) => (s ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : '—');

export function inProcessMarkdown(results) {
  const out = [];
  const { rounds, roundMs, pinned, cpu } = results.settings;
  out.push(
    `${pinned ? `Each contender's process, all its threads included (V8 helpers, libuv pool), is pinned to CPU ${cpu} (taskset), so “one core” holds for every contender. ` : 'Processes are not pinned to a CPU. '}` +
      `Ops/s of one sequential caller (one verification in flight; a promise is awaited, a synchronous result is not), median of ${rounds} interleaved rounds of ${roundMs} ms (min–max in brackets). ` +
      '“× floor” and “× best peer” compare medians; the best peer excludes the floor and tollgate. Distinct: 20 000 different valid tokens cycled (more than any token cache holds, so caches never hit). Repeated: one token every call. ' +
      '“CPU × floor” is the same ratio computed from the process CPU time (all threads) instead of wall time: on a shared machine it moves less, because time the process spends waiting for a core is not counted.',
  );
  for (const [alg, data] of Object.entries(results.algs)) {
    out.push(`\n#### ${alg}\n`);
    const rows = [];
    for (const [id, row] of Object.entries(data.rows)) {
      const c = results.contenders[id];
      const label = c.kind === 'tollgate' ? `**${c.label}**` : c.label;
      if (!row.distinct) {
        const why =
          row.validation && !row.validation.ok
            ? `validation failed: ${JSON.stringify(row.validation.cases)}`
            : row.errors.join('; ') || 'no result';
        rows.push([label, why, '', '', '', '', '', '', '']);
        continue;
      }
      rows.push([
        label,
        cell(row.distinct),
        x(row.distinct.xFloor),
        id === 'floor' ? '' : x(row.distinct.xBestPeer),
        cell(row.repeated),
        x(row.repeated?.xFloor),
        id === 'floor' ? '' : x(row.repeated?.xBestPeer),
        x(row.cpu?.distinct?.xFloor),
        x(row.cpu?.repeated?.xFloor),
      ]);
    }
    out.push(
      table(
        [
          'contender',
          'distinct ops/s',
          '× floor',
          '× best peer',
          'repeated ops/s',
          '× floor',
          '× best peer',
          'CPU × floor, distinct',
          'CPU × floor, repeated',
        ],
        rows,
      ),
    );
    const missing = Object.keys(results.contenders).filter((id) => !results.contenders[id].algs.includes(alg));
    if (missing.length > 0)
      out.push(
        `\nNot measured for ${alg} (unsupported): ${missing.map((id) => results.contenders[id].label).join(', ')}.`,
      );
  }
  out.push('\n#### What each contender checks\n');
  out.push(
    'Before timing, each child verifies one valid token (its claims must come back) and must refuse a wrong audience, a wrong issuer, an expired token and a bad signature; a contender that fails is not timed.\n',
  );
  out.push(
    table(
      ['contender', 'checks', 'algorithms'],
      Object.values(results.contenders).map((c) => [c.label, c.checks, c.algs.join(', ')]),
      ['l', 'l', 'l'],
    ),
  );
  return out.join('\n');
}

export { mark };
