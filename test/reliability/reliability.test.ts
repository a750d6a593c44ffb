// The reliability suite: zero-downtime key rotation and migration, shown under load
// with faults injected, bounded in time. Run with `pnpm test:reliability`.
//
// Set-up, shared by every scenario:
// - A real @tollgate/issuer on 127.0.0.1 (started per scenario, with that scenario's settings).
// - Three real services on 127.0.0.1:0 — Express, Koa and NestJS (platform-express) — each
//   mounting its adapter's public API with its OWN verifier built from the same options, as
//   three separately deployed services would (so each fetches the JWKS itself).
// - Open-loop load at 300 req/s in total, at most 32 requests in flight, round-robin over the
//   services, for a bounded time per scenario (15–26 s); every request is recorded.
// - Time: the issuer runs on a test clock that follows real time and can be moved ahead
//   (rotation = moving it one key lifetime). The services verify `iat`/`exp` against real time,
//   and every legitimate token is minted with a real-time `iat` — so tokens stay valid while the
//   issuer's key ages race ahead. No service clock is faked.
//
// Per scenario: "failures" = legitimate requests answered with anything but 200; "forged
// accepted" = requests that had to be refused and got 200. Both must be zero. Latencies are
// those of legitimate requests. RSS is sampled after a full GC (the config passes --expose-gc).
//
// Scenario 7 adds Redis (a real redis-server): two issuer replicas and the three services as a
// fleet sharing the DPoP replay store, the revocation list and the issuer keys, and Redis killed
// and restarted mid-run (see scenarios/fleet.ts). The JWKS load of a 1000-verifier fleet is
// simulated in ./jwks-fleet-simulation.test.ts, which records its own section of RESULTS.md.
//
// Results: one Markdown table printed at the end and written to results/last-run.md (ignored
// by git); with RELIABILITY_RECORD=1 a clean full run also rewrites RESULTS.md (committed),
// keeping the sections other files of the suite recorded there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warmUp, type ScenarioReport } from './scenarios/common.js';
import { DPOP_RECOVERY_BOUND_MS, runFleet } from './scenarios/fleet.js';
import { FLOOD_COOLDOWN_MS, runFlood } from './scenarios/flood.js';
import { runMigration } from './scenarios/migration.js';
import { runOutage } from './scenarios/outage.js';
import { runRestart } from './scenarios/restart.js';
import { runRotation } from './scenarios/rotation.js';
import { runSlow } from './scenarios/slow.js';
import { percentile, renderTable, settledRss, toMb, watchEventLoop, type ResultRow } from './support/metrics.js';
import { keptSections, RESULTS_FILE } from './support/results.js';
import { redisServerAvailable, REDIS_INSTALL_HINT } from '../support/redis-server.js';

/**
 * Bound on RSS growth over the whole run (after the warm-up, after GC). Clean runs grow 10–40 MB;
 * retaining ~5 KB per request (a request, a token, a closure) over ~30 000 requests exceeds it.
 */
const RSS_GROWTH_LIMIT_MB = 150;
const SCENARIOS = 8;
/**
 * Bound on the revocation propagation p99 in the fleet scenario (revoke() → a service refuses,
 * over HTTP, under load). The goal on loopback is under 100 ms; the bound is generous because
 * this machine is shared (2 cores, load averages of 5–16 from other jobs).
 */
const PROPAGATION_P99_BOUND_MS = 2_000;

const rows: ResultRow[] = [];
const legitLatencies: number[] = [];
const passed = new Set<number>();
let unhandledRejections = 0;
let warmUpRssMb = 0;
let runStartRss = 0;
let runLoop: ReturnType<typeof watchEventLoop> | undefined;
const startLoad = loadavg();
const onUnhandled = () => {
  unhandledRejections++;
};

/** Runs one scenario with RSS and event-loop measurement around it, and records its row. */
async function measure<R extends ScenarioReport>(scenario: string, run: () => Promise<R>): Promise<R> {
  const before = settledRss();
  const loop = watchEventLoop();
  let loopP99Ms = 0;
  let report: R;
  try {
    report = await run();
  } finally {
    loopP99Ms = loop.stop().p99Ms;
  }
  const rssGrowthMb = toMb(settledRss() - before);
  const { summary } = report;
  rows.push({
    scenario,
    requests: summary.requests,
    failures: summary.failures,
    forgedAccepted: summary.forgedAccepted,
    jwksRequests: report.jwksRequests,
    p99Ms: summary.p99Ms,
    rssGrowthMb,
    loopP99Ms,
    note: report.note,
  });
  legitLatencies.push(...summary.legitLatencies);
  console.log(
    `${scenario}: ${summary.requests} requests, ${summary.failures} failures, ${summary.forgedAccepted} forged accepted, p99 ${summary.p99Ms.toFixed(1)} ms — ${report.note}`,
  );
  return report;
}

/** The assertion every scenario shares, with the first offending samples in the message. */
function expectClean(report: ScenarioReport): void {
  const { failures, forgedAccepted, examples, statusesByKind } = report.summary;
  const context = `first offenders: ${JSON.stringify(examples)}\nstatuses: ${JSON.stringify(statusesByKind)}\n${report.trace}`;
  expect({ failures, forgedAccepted }, context).toEqual({ failures: 0, forgedAccepted: 0 });
}

function resultsDocument(table: string, notes: string): string {
  const fmt = (n: number) => n.toFixed(1);
  return `# tollgate reliability results

Recorded by \`RELIABILITY_RECORD=1 pnpm test:reliability\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} CPUs, load average ${startLoad.map(fmt).join(' / ')} at the start (other jobs shared the machine). Every \`pnpm test:reliability\` run prints this table and fails on any failed legitimate request or forged acceptance; what each scenario drives and asserts is described at the top of [its file](./scenarios/).

${table}

- **requests**: every request of the scenario, legitimate and hostile, at 300 req/s over Express, Koa and NestJS services (each with its own verifier).
- **failures**: legitimate requests answered with anything but 200. **forged accepted**: requests that had to be refused and got 200.
- **JWKS requests**: requests that reached the issuer's JWKS endpoint after the services warmed up, all services together.
- **p99**: latency of legitimate requests. **RSS growth**: resident memory after a full GC, end minus start. **event-loop p99**: delay of the one process running the issuer, the services and the load.

${notes}
${keptSections() === '' ? '' : `\n${keptSections()}`}`;
}

describe('reliability under load', () => {
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    const beforeWarmUp = settledRss();
    await warmUp();
    runStartRss = settledRss();
    warmUpRssMb = toMb(runStartRss - beforeWarmUp);
    runLoop = watchEventLoop();
  });

  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    const loop = runLoop?.stop();
    const total = (pick: (row: ResultRow) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
    if (rows.length > 0) {
      rows.push({
        scenario: '8. whole run: memory and health',
        requests: total((r) => r.requests),
        failures: total((r) => r.failures),
        forgedAccepted: total((r) => r.forgedAccepted),
        jwksRequests: total((r) => r.jwksRequests),
        p99Ms: percentile(legitLatencies, 99),
        rssGrowthMb: toMb(settledRss() - runStartRss),
        loopP99Ms: loop?.p99Ms ?? 0,
        note: `${unhandledRejections} unhandled rejections; RSS ${toMb(runStartRss)} MB after a 3 s warm-up (which added ${warmUpRssMb} MB) → ${toMb(settledRss())} MB at the end`,
      });
    }
    const table = renderTable(rows);
    const notes = rows.map((row) => `- **${row.scenario}** — ${row.note}`).join('\n');
    console.log(`\n${table}\n\n${notes}\n`);
    const dir = fileURLToPath(new URL('.', import.meta.url));
    mkdirSync(`${dir}results`, { recursive: true });
    writeFileSync(`${dir}results/last-run.md`, `${table}\n\n${notes}\n`);
    if (process.env.RELIABILITY_RECORD === '1') {
      if (passed.size === SCENARIOS) writeFileSync(RESULTS_FILE, resultsDocument(table, notes));
      else console.log(`RESULTS.md not updated: ${SCENARIOS - passed.size} scenario(s) failed or did not run.`);
    }
  });

  it('1. rotates keys every 2.5 s under load with zero failed requests', async () => {
    const report = await measure('1. key rotation every 2.5 s', runRotation);
    expectClean(report);
    expect(report.kids.length).toBeGreaterThanOrEqual(report.rotations + 1);
    // Every key served traffic (the last one may be cut short on a starved machine, where its
    // RSA key generation can take seconds).
    expect(report.acceptedKids.length).toBeGreaterThanOrEqual(report.rotations);
    // Each service refetches once per new kid; anything more would be a refetch storm.
    expect(report.jwksRequests).toBeLessThanOrEqual(report.services * (report.rotations + 1));
    passed.add(1);
  });

  it('2. migrates HS256 → RS256 under load with zero failed requests, then refuses HS256', async () => {
    const report = await measure('2. HS256 → RS256 migration', runMigration);
    expectClean(report);
    expect(report.hs256AcceptedBeforeCutoff).toBeGreaterThan(0);
    expect(report.rs256Accepted).toBeGreaterThan(0);
    expect(report.hs256RefusedAfterCutoff).toBeGreaterThan(0);
    expect(report.refusalCodes).toEqual(['401 ERR_ALG_NOT_ALLOWED']);
    // The operator's signal: the last HS256 acceptance is before the end date.
    expect(report.lastHs256AfterCutoffMs).toBeLessThanOrEqual(0);
    passed.add(2);
  });

  it('3. survives a 20 s JWKS outage: known kids verify, unknown kids get 503, recovery within one retry', async () => {
    const report = await measure('3. JWKS down 20 s', runOutage);
    expectClean(report);
    expect(report.outageMs).toBeGreaterThanOrEqual(19_500);
    expect(Object.values(report.healthMidOutage)).toEqual(['stale', 'stale', 'stale']);
    const { total, status503, withRetryAfter, status401, other } = report.unknownDuringOutage;
    expect(total).toBeGreaterThan(100);
    expect({ status401, other }).toEqual({ status401: 0, other: [] });
    expect(status503).toBe(total);
    expect(withRetryAfter).toBe(status503);
    expect(report.unknownWhileHealthy.status401).toBe(report.unknownWhileHealthy.total);
    expect(report.staleServed).toBeGreaterThan(0);
    // Recovery = the next retry after the endpoint returns: at most the retry ceiling (backoff
    // with jitter never exceeds it) plus 1 s for the fetch and this 2-core machine's scheduling.
    for (const ms of Object.values(report.recoveryMs)) expect(ms).toBeLessThanOrEqual(report.retryMaxMs + 1_000);
    passed.add(3);
  });

  it('4. keeps warm traffic fast while the JWKS endpoint is slow; nothing waits past the timeout', async () => {
    const report = await measure('4. JWKS slow (4 s responses)', runSlow);
    expectClean(report);
    expect(report.phaseA.requests).toBeGreaterThan(100);
    // Keys fresh: refreshes fail in the background only. Had warm requests waited on them, the
    // requests during each 2 s fetch attempt would all be slow and p99 would be ~2 s. Half the
    // timeout rather than a tight bound: on these 2 shared cores the p99 measured 60–250 ms with
    // other jobs running, and 485 ms with the machine at a load average of 16. No warm request
    // may take as long as one whole fetch attempt.
    expect(report.phaseA.p99Ms).toBeLessThan(report.headersTimeoutMs / 2);
    expect(report.phaseA.maxMs).toBeLessThan(report.headersTimeoutMs);
    // Past max-age requests may wait for a refresh, but never past the timeout (+1.5 s margin
    // for scheduling on a loaded machine); a hang would show as 10 s (the client's limit).
    expect(report.maxLatencyMs).toBeLessThan(report.headersTimeoutMs + 1_500);
    expect(Object.keys(report.unknownKidStatuses).filter((status) => !['401', '503'].includes(status))).toEqual([]);
    passed.add(4);
  });

  it('5. verifies tokens issued before an issuer restart with the file key store', async () => {
    const report = await measure('5. issuer restart (file key store)', runRestart);
    expectClean(report);
    expect(report.kidAfter).toBe(report.kidBefore);
    expect(report.publishedAfter).toContain(report.kidBefore);
    // Every running service really asked the new process for keys.
    for (const n of report.refetchesAfterRestart) expect(n).toBeGreaterThan(0);
    expect(report.coldServiceRequests).toBeGreaterThan(100);
    expect(report.preRestartAcceptedAfterRestart).toBeGreaterThan(report.coldServiceRequests);
    passed.add(5);
  });

  it('6. refuses an attacker flood without forged acceptances or a JWKS storm', async () => {
    const report = await measure('6. attacker flood (40 % hostile)', runFlood);
    expectClean(report);
    // Not vacuous: every hostile kind many times over (the volume drops on a starved machine).
    expect(report.hostile).toBeGreaterThan(200);
    // Clean refusals only: 401 from tollgate, 431 from Node for the 50 KB header.
    expect(report.unclean).toEqual([]);
    // At most one fetch per service per cooldown window (+1 for the window in progress).
    const windows = Math.ceil(report.durationMs / FLOOD_COOLDOWN_MS) + 1;
    expect(report.jwksRequests).toBeLessThanOrEqual(report.services * windows);
    passed.add(6);
  });

  it.skipIf(!redisServerAvailable)(
    `7. runs a fleet on one Redis: replays refused everywhere, revocations propagate, one rotation, Redis restarted${redisServerAvailable ? '' : ` (skipped: redis-server not found; ${REDIS_INSTALL_HINT})`}`,
    async () => {
      const report = await measure('7. fleet on one Redis (restarted)', runFleet);
      expectClean(report);
      const context = report.trace;
      // The replicas started together and made one key between them.
      expect(report.keysAtStart).toBe(1);
      // A DPoP request accepted at one replica is refused at every other, before and after the restart.
      expect(report.replay.acceptedTwice).toBe(0);
      expect(report.replay.refusedAtAnother).toBeGreaterThan(30);
      expect(report.replay.refusalCodes).toEqual([
        '401 ERR_DPOP_PROOF_REPLAYED',
        ...(report.replay.refusalCodes.includes('503 ERR_REPLAY_STORE_UNAVAILABLE')
          ? ['503 ERR_REPLAY_STORE_UNAVAILABLE']
          : []),
      ]);
      // Revocations reached every service, within the bound (the figures are in the results).
      expect(report.propagation.revocations).toBeGreaterThanOrEqual(20);
      expect(report.propagation.samples).toHaveLength(report.propagation.revocations * 3);
      expect(report.propagation.p99Ms).toBeLessThan(PROPAGATION_P99_BOUND_MS);
      expect(report.propagation.maxMs).toBeLessThan(Number.POSITIVE_INFINITY);
      // A rotated; B serves the same JWKS and signs with the new key; the services accepted it.
      expect(report.rotation.sameJwks).toBe(true);
      expect(report.rotation.kidSignedByB).toBe(report.rotation.rotatedKid);
      expect(report.rotation.acceptedWithRotatedKid).toBeGreaterThan(50);
      // Redis away: Bearer went on (expectClean), DPoP failed closed with 503 only within the window.
      const { outage, resync } = report;
      expect(outage.bearerDuringOutage).toBeGreaterThan(100);
      expect(outage.dpop503).toBeGreaterThan(0);
      expect({ outside: outage.dpop503OutsideWindow, unexpected: outage.dpopUnexpected }, context).toEqual({
        outside: [],
        unexpected: [],
      });
      expect(outage.last503AfterBackMs).toBeLessThanOrEqual(DPOP_RECOVERY_BOUND_MS);
      expect(outage.dpopAcceptedAfterRecovery).toBeGreaterThan(100);
      expect(outage.revocationMidOutage.map((state) => state?.status)).toEqual(['degraded', 'degraded', 'degraded']);
      // The mirrors resynchronised: a revocation written at the restart, while they were still
      // reconnecting, reached every service; requests captured before the outage stay refused.
      expect(resync.mirrorsAtWrite).toContain('degraded');
      for (const ms of resync.refusedAfterMs) expect(ms).toBeLessThan(5_000);
      expect(resync.mirrorsOkAfterMs).toBeLessThan(10_000);
      expect(resync.capturedReplays).toBeGreaterThan(0);
      expect(resync.capturedReplaysRefused).toBe(resync.capturedReplays);
      passed.add(7);
    },
  );

  it('8. keeps memory bounded and has no unhandled rejections (event-loop delay is reported)', () => {
    expect(unhandledRejections).toBe(0);
    const growthMb = toMb(settledRss() - runStartRss);
    console.log(`RSS growth over the run so far: ${growthMb} MB`);
    expect(growthMb).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    passed.add(8);
  });
});
