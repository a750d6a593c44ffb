// Settings and small helpers every scenario shares.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Issuer } from '@tollgate/issuer';
import type { LoadRun, Shot } from '../support/load.js';
import type { LoadSummary } from '../support/metrics.js';
import type { TokenPool } from '../support/tokens.js';

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
}

/** A legitimate request with a token from `pool`. */
export function legit(pool: TokenPool, kind = 'legit'): Shot {
  return { kind, expect: 'accept', authorization: `Bearer ${pool.pick()}` };
}

/** Resolves once the load has run for `ms`. */
export async function until(load: LoadRun, ms: number): Promise<void> {
  const wait = ms - load.elapsed();
  if (wait > 0) await sleep(wait);
}

/** JWKS requests the issuer has answered (or refused by fault) since its last `resetStats()`. */
export function jwksRequests(issuer: Issuer): number {
  return issuer.stats().byEndpoint.jwks;
}
