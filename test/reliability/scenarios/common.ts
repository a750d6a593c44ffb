// Settings and small helpers every scenario shares.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Issuer } from '@tollgate/issuer';
import { startIssuer } from '../../support/issuer.js';
import { startLoad, type LoadRun, type LoadTarget, type Shot } from '../support/load.js';
import type { LoadSummary } from '../support/metrics.js';
import { startServices } from '../support/services.js';
import { mintLegit, TokenPool } from '../support/tokens.js';

/** Requests per second across the three services: "a few hundred", affordable on 2 shared cores. */
export const RATE_PER_SEC = 300;
/** Requests in flight at most, across the services. */
export const MAX_IN_FLIGHT = 32;
/** HS256 migration secret shared by the issuer and the services (≥ 32 bytes). */
export const HS256_SECRET = 'reliability-migration-secret-0123456789abcdef';

/** What every scenario reports; scenarios add their own measurements. */
export interface ScenarioReport {
  readonly summary: LoadSummary;
  /** Requests that reached the JWKS endpoint(s) after the services warmed up (issuer counters). */
  readonly jwksRequests: number;
  /** One line for the results file. */
  readonly note: string;
  /** Key events of the services behind failed or forged samples: printed when an assertion fails. */
  readonly trace: string;
}

/**
 * What a scenario started — issuer, services, token pools, load — closed in reverse order
 * however the scenario ends, so a failed scenario leaves nothing running into the next one.
 */
export class Scope {
  private readonly closers: (() => Promise<unknown>)[] = [];

  /** Registers `value` to be closed with `close`, and returns it. */
  add<T>(value: T, close: (value: T) => Promise<unknown>): T {
    this.closers.push(() => close(value));
    return value;
  }

  /** A token pool of `size` tokens, refilled every 100 ms, stopped with the scope; start it yourself. */
  pool(
    mint: () => Promise<string>,
    { maxAgeMs = 60_000, size = 16 }: { maxAgeMs?: number; size?: number } = {},
  ): TokenPool {
    return this.add(new TokenPool(mint, { size, refillMs: 100, maxAgeMs }), (p) => p.stop());
  }

  /** Load over `targets` at the suite's rate and in-flight cap, stopped with the scope. */
  load(targets: readonly LoadTarget[], durationMs: number, next: (elapsedMs: number) => Shot | undefined): LoadRun {
    return this.add(
      startLoad({ targets, ratePerSec: RATE_PER_SEC, maxInFlight: MAX_IN_FLIGHT, durationMs, next }),
      (l) => l.stop(),
    );
  }

  /** Closes everything, newest first; a failing close does not stop the others. */
  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/** A legitimate request with a fresh token from `pool`; `undefined` (slot skipped) if it has none. */
export function legit(pool: TokenPool, kind = 'legit'): Shot | undefined {
  const picked = pool.pick();
  return picked && { kind, expect: 'accept', authorization: `Bearer ${picked.token}`, kid: picked.kid };
}

/** Resolves once the load has run for `ms`. */
export async function until(load: LoadRun, ms: number): Promise<void> {
  const wait = ms - load.elapsed();
  if (wait > 0) await sleep(wait);
}

/**
 * Runs a listen on a port that was just released, retrying briefly on EADDRINUSE: between the
 * close and the new listen, any outgoing connection on the machine (ours reconnecting, or another
 * job's) may be handed that very port as its local ephemeral port for a moment.
 */
export async function relisten<T>(listen: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await listen();
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= attempts) throw error;
      await sleep(200);
    }
  }
}

/** JWKS requests the issuer has answered (or refused by fault) since its last `resetStats()`. */
export function jwksRequests(issuer: Issuer): number {
  return issuer.stats().byEndpoint.jwks;
}

/**
 * Three services and an issuer under 3 s of legitimate load, before anything is measured: the
 * first requests pay for JIT compilation and lazy initialisation in Node, undici and Nest, which
 * would otherwise show up as the first scenario's latency and RSS growth.
 */
export async function warmUp(): Promise<void> {
  const idp = await startIssuer();
  try {
    const services = await startServices({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
    try {
      await services.warm();
      const pool = new TokenPool(() => mintLegit(idp.issuer), { size: 8, refillMs: 200, maxAgeMs: 60_000 });
      await pool.start();
      await startLoad({
        targets: services.list,
        ratePerSec: RATE_PER_SEC,
        maxInFlight: MAX_IN_FLIGHT,
        durationMs: 3_000,
        next: () => legit(pool),
      }).done;
      await pool.stop();
    } finally {
      await services.close();
    }
  } finally {
    await idp.close();
  }
}
