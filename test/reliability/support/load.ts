// Open-loop load at a target rate with a cap on requests in flight, spread round-robin over the
// services, one undici Pool per service. Every request is recorded: what was sent (kind and
// expectation), to which service, when, the status, the latency, Retry-After and the error code.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { PROTECTED_PATH, type ServiceName } from './services.js';

/**
 * What one request expects:
 * - `accept`: a legitimate token; any answer but 200 is a failed legitimate request.
 * - `refuse`: a hostile or no-longer-valid token; a 200 is a forged acceptance.
 * - `observe`: the scenario judges the samples itself (e.g. unknown kids during an outage).
 */
export type Expectation = 'accept' | 'refuse' | 'observe';

/** One request to send. */
export interface Shot {
  /** Label for summaries, e.g. `legit`, `random-kid`, `alg-none`. */
  readonly kind: string;
  readonly expect: Expectation;
  /** The whole `Authorization` header value. */
  readonly authorization: string;
  /** A `DPoP` proof header to send with it (a DPoP-bound token: `authorization` is then `DPoP <token>`). */
  readonly dpop?: string | undefined;
  /** The token's `kid` (or alg), when known: named in failure reports. */
  readonly kid?: string | undefined;
}

/** One request as it happened. */
export interface Sample {
  readonly kind: string;
  readonly expect: Expectation;
  readonly service: ServiceName;
  /** Send time, ms since the load started. */
  readonly sentAt: number;
  /** HTTP status; 0 when no answer arrived (connection error or client timeout). */
  readonly status: number;
  readonly latencyMs: number;
  readonly retryAfter: string | undefined;
  /** The tollgate error code of a refusal, or the client error code when no answer arrived. */
  readonly code: string | undefined;
  readonly kid?: string | undefined;
}

export interface LoadTarget {
  readonly name: ServiceName;
  readonly url: string;
}

export interface LoadOptions {
  readonly targets: readonly LoadTarget[];
  /** Requests per second across all targets. */
  readonly ratePerSec: number;
  /** Most requests in flight at once; when reached, sending waits. */
  readonly maxInFlight: number;
  readonly durationMs: number;
  /** The next request to send, given ms since the start; `undefined` skips this slot. */
  readonly next: (elapsedMs: number) => Shot | undefined;
  /** A request without a complete answer after this long counts as hung (status 0). Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface LoadResult {
  readonly samples: readonly Sample[];
  /** Slots `next()` left empty (e.g. no fresh token to send). */
  readonly skipped: number;
  /** Slots dropped because the in-flight cap held sending back for more than 250 ms. */
  readonly shed: number;
  readonly elapsedMs: number;
}

/** A load run in progress. */
export interface LoadRun {
  /** `performance.now()` when the run started; sample times are relative to it. */
  readonly startedAt: number;
  /** Ms since the run started. */
  elapsed(): number;
  /** Resolves when the duration is over and every request has settled. */
  readonly done: Promise<LoadResult>;
  /** Ends the run early (a scenario that failed half-way); resolves like `done`, never rejects. */
  stop(): Promise<void>;
}

/**
 * Starts sending. The returned `done` settles after `durationMs` plus the time the last requests
 * need (at most `requestTimeoutMs`), so the run is bounded even if a service stops answering.
 */
export function startLoad(options: LoadOptions): LoadRun {
  const { targets, ratePerSec, maxInFlight, durationMs, next, requestTimeoutMs = 10_000 } = options;
  // As many connections per service as requests in flight overall: a request never queues in the
  // client behind another one that the service holds (e.g. one waiting for a slow JWKS).
  const pools = targets.map(
    (target) => new Pool(target.url, { connections: maxInFlight, pipelining: 1, keepAliveTimeout: 10_000 }),
  );
  const samples: Sample[] = [];
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let inFlight = 0;
  let shed = 0;
  let skipped = 0;
  let stopped = false;

  const send = async (index: number, shot: Shot): Promise<void> => {
    const slot = index % targets.length;
    const target = targets[slot] as LoadTarget;
    const pool = pools[slot] as Pool;
    const sentAt = elapsed();
    let status = 0;
    let retryAfter: string | undefined;
    let code: string | undefined;
    try {
      const response = await pool.request({
        path: PROTECTED_PATH,
        method: 'GET',
        headers:
          shot.dpop === undefined
            ? { authorization: shot.authorization }
            : { authorization: shot.authorization, dpop: shot.dpop },
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      status = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      const text = await response.body.text();
      if (status !== 200) code = errorCode(text);
    } catch (error) {
      code = (error as { code?: string }).code ?? (error as Error).name;
    }
    samples.push({
      kind: shot.kind,
      expect: shot.expect,
      service: target.name,
      sentAt,
      status,
      latencyMs: elapsed() - sentAt,
      retryAfter,
      code,
      kid: shot.kid,
    });
  };

  const run = async (): Promise<LoadResult> => {
    const pending = new Set<Promise<void>>();
    let sent = 0;
    try {
      while (!stopped && elapsed() < durationMs) {
        const due = Math.floor((elapsed() * ratePerSec) / 1000);
        // Open loop with a bounded backlog: a stalled service cannot make the run burst later.
        const backlogCap = Math.ceil(ratePerSec / 4);
        if (due - sent > backlogCap) {
          shed += due - sent - backlogCap;
          sent = due - backlogCap;
        }
        while (sent < due && inFlight < maxInFlight) {
          const shot = next(elapsed());
          const index = sent++;
          if (shot === undefined) {
            skipped++;
            continue;
          }
          inFlight++;
          const request = send(index, shot).finally(() => {
            inFlight--;
            pending.delete(request);
          });
          pending.add(request);
        }
        await sleep(4);
      }
      await Promise.allSettled([...pending]);
    } finally {
      await Promise.allSettled(pools.map((pool) => pool.destroy()));
    }
    return { samples, skipped, shed, elapsedMs: elapsed() };
  };

  const done = run();
  // Whoever awaits `done` sees a failure; this only keeps it from counting as unhandled meanwhile.
  done.catch(() => undefined);
  const stop = async () => {
    stopped = true;
    await done.catch(() => undefined);
  };
  return { startedAt: started, elapsed, done, stop };
}

function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
