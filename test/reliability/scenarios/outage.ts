// Scenario 3 — the JWKS endpoint down for 20 s under load.
//
// The services keep keys fresh for only 2 s (min = max max-age), so their key sets pass max-age
// early in the outage and every refresh attempt during it fails; retries back off from 200 ms to
// 2 s. Timeline (ms of load):
//   0–2 000        healthy.
//   2 000–9 000    issuer.stop(): connection refused.
//   9 000–16 000   issuer.start() with a status500 fault on the JWKS.
//   16 000–22 000  invalid JSON (200 with a truncated body).
//   22 000         faults cleared: the endpoint is back. Time to recovery is measured by polling
//                  each verifier's health() until it is `ready` again.
//   22 000–26 000  healthy.
// Traffic: 80 % legitimate tokens with the known kid (must be 200 throughout), 20 % tokens with
// a kid the JWKS never had ("unknown kid"). While the endpoint is down, an unknown kid cannot be
// looked up, so the answer must be 503 + Retry-After (retry later), never 401 (the token is
// bad). Until a verifier's first failed fetch it cannot know the endpoint is down, so unknown
// kids in the first second of the outage may still get 401; while the endpoint recovers, either
// answer is right. Before the outage and after recovery the answer is 401 (the JWKS answered
// and does not have the kid).
import { setTimeout as sleep } from 'node:timers/promises';
import { startIssuer } from '../../support/issuer.js';
import type { Sample } from '../support/load.js';
import { summarize } from '../support/metrics.js';
import { startServices, traceFailures, type ServiceName } from '../support/services.js';
import { Attacker, mintLegit } from '../support/tokens.js';
import { jwksRequests, legit, Scope, relisten, until, type ScenarioReport } from './common.js';

const STOP_AT = 2_000;
const STATUS500_AT = 9_000;
const INVALID_JSON_AT = 16_000;
const RESTORE_AT = 22_000;
const DURATION_MS = 26_000;
/** Time a verifier may need to notice the outage: one unknown-kid cooldown plus a failed fetch. */
const DETECTION_GRACE_MS = 1_000;
export const OUTAGE_RETRY_MAX_MS = 2_000;

export interface OutageReport extends ScenarioReport {
  readonly outageMs: number;
  /** Unknown-kid requests sent while the endpoint was down (after the detection grace). */
  readonly unknownDuringOutage: {
    readonly total: number;
    readonly status503: number;
    readonly withRetryAfter: number;
    readonly status401: number;
    readonly other: readonly Sample[];
  };
  /** Unknown-kid requests answered 401 before the outage and after recovery (the JWKS answered). */
  readonly unknownWhileHealthy: { readonly total: number; readonly status401: number };
  /** Health of each service sampled mid-outage. */
  readonly healthMidOutage: Readonly<Record<ServiceName, string>>;
  /** Ms from the endpoint's return until each service's health() is `ready`. */
  readonly recoveryMs: Readonly<Record<ServiceName, number>>;
  readonly retryMaxMs: number;
  /** Verifications served from the last good key set while refreshes failed (all services). */
  readonly staleServed: number;
}

export async function runOutage(): Promise<OutageReport> {
  const scope = new Scope();
  try {
    const idp = scope.add(await startIssuer({ jwksMaxAgeSec: 2 }), (i) => i.close());
    const services = scope.add(
      await startServices({
        issuer: idp.issuerUrl,
        audience: idp.audience,
        algorithms: ['RS256'],
        jwks: {
          minMaxAgeSec: 2,
          maxMaxAgeSec: 2,
          refreshAheadRatio: 0.5,
          cooldownMs: 500,
          retryBaseMs: 200,
          retryMaxMs: OUTAGE_RETRY_MAX_MS,
          connectTimeoutMs: 1_000,
          headersTimeoutMs: 1_000,
          bodyTimeoutMs: 1_000,
        },
      }),
      (s) => s.close(),
    );
    await services.warm();
    idp.issuer.resetStats();
    const pool = scope.pool(() => mintLegit(idp.issuer));
    await pool.start();
    const attacker = await Attacker.against(idp.issuer);
    let turn = 0;
    const load = scope.load(services.list, DURATION_MS, () =>
      turn++ % 5 === 4
        ? { kind: 'unknown-kid', expect: 'observe', authorization: `Bearer ${attacker.token('random-kid')}` }
        : legit(pool),
    );

    await until(load, STOP_AT);
    const stoppedAt = load.elapsed();
    await idp.issuer.stop();
    await until(load, (STOP_AT + STATUS500_AT) / 2);
    const healthMidOutage = Object.fromEntries(
      services.list.map((s) => [s.name, s.verifier.health().status]),
    ) as Record<ServiceName, string>;
    await until(load, STATUS500_AT);
    const status500 = idp.issuer.faults.inject({
      endpoint: 'jwks',
      kind: 'status500',
      forMs: RESTORE_AT - STATUS500_AT + 2_000,
    });
    await relisten(() => idp.issuer.start());
    await until(load, INVALID_JSON_AT);
    status500.clear();
    const invalidJson = idp.issuer.faults.inject({
      endpoint: 'jwks',
      kind: 'invalid-json',
      forMs: RESTORE_AT - INVALID_JSON_AT + 2_000,
    });
    await until(load, RESTORE_AT);
    invalidJson.clear();
    const restoredAt = load.elapsed();

    const recoveryMs = {} as Record<ServiceName, number>;
    const deadline = restoredAt + 3 * OUTAGE_RETRY_MAX_MS;
    while (Object.keys(recoveryMs).length < services.list.length && load.elapsed() < deadline) {
      for (const s of services.list) {
        if (recoveryMs[s.name] === undefined && s.verifier.health().status === 'ready')
          recoveryMs[s.name] = Math.round(load.elapsed() - restoredAt);
      }
      await sleep(20);
    }
    for (const s of services.list) recoveryMs[s.name] ??= Number.POSITIVE_INFINITY;
    const recoveredAt = restoredAt + Math.max(...Object.values(recoveryMs));

    const result = await load.done;
    await pool.stop();
    const unknown = result.samples.filter((s) => s.kind === 'unknown-kid');
    const during = unknown.filter(
      (s) => s.sentAt >= stoppedAt + DETECTION_GRACE_MS && s.sentAt + s.latencyMs <= restoredAt,
    );
    const healthy = unknown.filter((s) => s.sentAt + s.latencyMs < stoppedAt || s.sentAt > recoveredAt);
    const staleServed = services.list.reduce((sum, s) => sum + s.verifier.stats().jwks.staleServed, 0);
    const jwks = jwksRequests(idp.issuer);
    const outageMs = Math.round(restoredAt - stoppedAt);
    const worstRecovery = Math.max(...Object.values(recoveryMs));
    const summary = summarize(result.samples);
    return {
      summary,
      trace: traceFailures(services.list, summary.examples, load.startedAt),
      jwksRequests: jwks,
      outageMs,
      unknownDuringOutage: {
        total: during.length,
        status503: during.filter((s) => s.status === 503).length,
        withRetryAfter: during.filter((s) => s.status === 503 && s.retryAfter !== undefined && Number(s.retryAfter) > 0)
          .length,
        status401: during.filter((s) => s.status === 401).length,
        other: during.filter((s) => s.status !== 503 && s.status !== 401).slice(0, 5),
      },
      unknownWhileHealthy: { total: healthy.length, status401: healthy.filter((s) => s.status === 401).length },
      healthMidOutage,
      recoveryMs,
      retryMaxMs: OUTAGE_RETRY_MAX_MS,
      staleServed,
      note:
        `${(outageMs / 1000).toFixed(1)} s down (refused → 500 → invalid JSON); known kid served stale ${staleServed} times; ` +
        `unknown kid during the outage: ${during.filter((s) => s.status === 503).length}/${during.length} × 503 + Retry-After, 0 × 401 required; ` +
        `recovered ${worstRecovery} ms after the endpoint returned (retry ceiling ${OUTAGE_RETRY_MAX_MS} ms)`,
    };
  } finally {
    await scope.close();
  }
}
