// Scenario 4 — the JWKS endpoint slow (every response stalls 4 s) under load.
//
// The services allow 2 s for response headers (`jwks.headersTimeoutMs`), keep keys fresh for 8 s
// and refresh in the background from half of that. Timeline (ms of load, keys fetched at ~0):
//   0–500        healthy.
//   500–14 500   slow: each JWKS response stalls 4 000 ms before its headers, so every fetch
//                times out at 2 000 ms.
//     phase A    until the keys pass max-age (8 s after the warm-up fetch): refreshes run in
//                the background and fail there; warm traffic must not notice.
//     phase B    after max-age: by design a request waits for the refresh (so a removed key
//                stops verifying), i.e. up to the headers timeout, then the last good keys
//                serve. No failure is allowed, and no request may wait past the timeout.
//   14 500–16 000 healthy again.
// 10 % of the traffic carries an unknown kid, which must wait for a fetch: it, too, must come
// back within the timeout (503 while the endpoint is slow, 401 when it answers).
import { startIssuer } from '../../support/issuer.js';
import { percentile, summarize } from '../support/metrics.js';
import { startServices, traceFailures } from '../support/services.js';
import { Attacker, mintLegit } from '../support/tokens.js';
import { jwksRequests, legit, MAX_IN_FLIGHT, Scope, until, type ScenarioReport } from './common.js';

export const SLOW_HEADERS_TIMEOUT_MS = 2_000;
const SLOW_DELAY_MS = 4_000;
const MAX_AGE_SEC = 8;
const SLOW_FROM = 500;
const SLOW_UNTIL = 14_500;
const DURATION_MS = 16_000;

export interface SlowReport extends ScenarioReport {
  readonly headersTimeoutMs: number;
  /** Legitimate requests while the endpoint was slow and the keys were still fresh. */
  readonly phaseA: { readonly requests: number; readonly p99Ms: number; readonly maxMs: number };
  /** Legitimate requests while the endpoint was slow and the keys were past max-age. */
  readonly phaseB: {
    readonly requests: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly waited: number;
  };
  /** Slowest answer of any request in the scenario (legitimate or unknown kid). */
  readonly maxLatencyMs: number;
  readonly unknownKidStatuses: Readonly<Record<number, number>>;
  /** Request slots the load generator dropped because the in-flight cap was reached. */
  readonly shed: number;
}

export async function runSlow(): Promise<SlowReport> {
  const scope = new Scope();
  try {
    const idp = scope.add(await startIssuer({ jwksMaxAgeSec: MAX_AGE_SEC }), (i) => i.close());
    const services = scope.add(
      await startServices({
        issuer: idp.issuerUrl,
        audience: idp.audience,
        algorithms: ['RS256'],
        jwks: {
          minMaxAgeSec: MAX_AGE_SEC,
          maxMaxAgeSec: MAX_AGE_SEC,
          refreshAheadRatio: 0.5,
          headersTimeoutMs: SLOW_HEADERS_TIMEOUT_MS,
          connectTimeoutMs: 1_000,
          bodyTimeoutMs: 2_000,
          cooldownMs: 1_000,
          retryBaseMs: 500,
          retryMaxMs: 2_000,
        },
      }),
      (s) => s.close(),
    );
    await services.warm();
    const keysFetchedAt = Date.now();
    idp.issuer.resetStats();
    const pool = scope.pool(() => mintLegit(idp.issuer));
    await pool.start();
    const attacker = await Attacker.against(idp.issuer);
    let turn = 0;
    const load = scope.load(services.list, DURATION_MS, () =>
      turn++ % 10 === 9
        ? { kind: 'unknown-kid', expect: 'observe', authorization: `Bearer ${attacker.token('random-kid')}` }
        : legit(pool),
    );
    const loadStartedAt = Date.now() - load.elapsed();
    await until(load, SLOW_FROM);
    const slow = idp.issuer.faults.inject({
      endpoint: 'jwks',
      kind: 'slow',
      delayMs: SLOW_DELAY_MS,
      forMs: SLOW_UNTIL - SLOW_FROM,
    });
    const slowFrom = load.elapsed();
    await until(load, SLOW_UNTIL);
    slow.clear();
    const slowUntil = load.elapsed();
    const result = await load.done;
    await pool.stop();

    // Max-age runs from the warm-up fetch (keys are not refreshed once the endpoint is slow).
    const expiresAt = keysFetchedAt + MAX_AGE_SEC * 1000 - loadStartedAt;
    const legitSamples = result.samples.filter((s) => s.expect === 'accept');
    const inA = legitSamples.filter((s) => s.sentAt >= slowFrom && s.sentAt + s.latencyMs < expiresAt);
    const inB = legitSamples.filter((s) => s.sentAt >= expiresAt && s.sentAt < slowUntil);
    const stats = (list: typeof legitSamples) => {
      const latencies = list.map((s) => s.latencyMs);
      return {
        requests: list.length,
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.length === 0 ? 0 : Math.max(...latencies),
      };
    };
    const unknownKidStatuses: Record<number, number> = {};
    for (const s of result.samples.filter((x) => x.kind === 'unknown-kid'))
      unknownKidStatuses[s.status] = (unknownKidStatuses[s.status] ?? 0) + 1;
    const phaseA = stats(inA);
    const phaseB = { ...stats(inB), waited: inB.filter((s) => s.latencyMs >= SLOW_HEADERS_TIMEOUT_MS / 2).length };
    const maxLatencyMs = Math.max(...result.samples.map((s) => s.latencyMs));
    const jwks = jwksRequests(idp.issuer);
    const summary = summarize(result.samples);
    return {
      summary,
      trace: traceFailures(services.list, summary.examples, load.startedAt),
      jwksRequests: jwks,
      headersTimeoutMs: SLOW_HEADERS_TIMEOUT_MS,
      phaseA,
      phaseB,
      maxLatencyMs,
      unknownKidStatuses,
      shed: result.shed,
      note:
        `JWKS stalls ${SLOW_DELAY_MS} ms for ${((slowUntil - slowFrom) / 1000).toFixed(0)} s, headers timeout ${SLOW_HEADERS_TIMEOUT_MS} ms; ` +
        `keys fresh: p99 ${phaseA.p99Ms.toFixed(0)} ms (max ${phaseA.maxMs.toFixed(0)}) over ${phaseA.requests}; ` +
        `keys past max-age: p99 ${phaseB.p99Ms.toFixed(0)} ms, ${phaseB.waited}/${phaseB.requests} waited on a refresh` +
        `${result.shed > 0 ? ` (and ${result.shed} requests not sent: all ${MAX_IN_FLIGHT} in flight were waiting)` : ''}; slowest request ${maxLatencyMs.toFixed(0)} ms`,
    };
  } finally {
    await scope.close();
  }
}
