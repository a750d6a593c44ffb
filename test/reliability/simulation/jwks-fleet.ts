// A fleet of verifiers against one JWKS endpoint, over simulated weeks, in one process: what the
// endpoint sees from refresh-ahead, rotations and key removals. Real `createVerifier()`s from the
// core, on one injected clock, each with an in-process fetcher (the `jwks.fetcher` option) that
// answers for the one endpoint and records every request: no HTTP, so a month of 1000 verifiers
// takes seconds.
//
// The endpoint: RS256 keys; a rotation every `rotationEveryDays` publishes a new key and tokens
// switch to it at once (the mini-issuer's behaviour, the harder case: every verifier meets an
// unknown kid); the old key leaves the JWKS `graceDays` later. Responses carry
// `Cache-Control: max-age=<maxAgeSec>` and an ETag, answered with 304 while the key set is unchanged.
//
// Traffic: every verifier verifies the current token every `requestEveryMin` simulated minutes,
// the fleet staggered evenly over that period (a load balancer spreading requests); the clock
// moves in steps of one minute. All verifiers warm at once at the start (a fleet deployed
// together), the worst start for a herd.
//
// To keep a month of 1000 verifiers within a minute, requests that cannot reach the endpoint are
// not made: a verifier's request with the token it verified last, before the earliest point its
// background refresh can start (the last fetch + max-age × refreshAheadRatio × (1 − the core's
// jitter for that kind of fetch)), is a token-cache hit on fresh keys that fetches nothing. Every
// request that can fetch (past that point, or with a new token: a new day, a rotation) is made.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createVerifier, JWKS_DEFAULTS, type Verifier } from '@tollgate/core';
// Read from the source (tests run from it): the core does not export it, and the simulation must
// skip only requests that cannot reach the endpoint under the jitter the core really applies.
import { REFRESH_AHEAD_JITTER, RESYNC_JITTER } from '../../../packages/core/src/freshness.js';

export interface SimulationOptions {
  readonly verifiers: number;
  readonly days: number;
  readonly rotationEveryDays: number;
  readonly graceDays: number;
  readonly maxAgeSec: number;
  readonly requestEveryMin: number;
}

export const SIMULATION_DEFAULTS: SimulationOptions = {
  verifiers: 1000,
  days: 30,
  rotationEveryDays: 7,
  graceDays: 2,
  maxAgeSec: 3600,
  requestEveryMin: 5,
};

/** Why a verifier asked: the warm-up at start, a token whose kid it did not have, or refresh-ahead / expiry. */
export type FetchCause = 'start' | 'unknown-kid' | 'refresh';

export interface SimulationReport {
  readonly options: SimulationOptions;
  readonly fetches: {
    readonly total: number;
    readonly start: number;
    readonly unknownKid: number;
    readonly refresh: number;
    readonly notModified: number;
  };
  /** Verifications the traffic asks for, those skipped as unable to fetch (see the file header), and those refused (must be none: every token is legitimate). */
  readonly verifications: number;
  readonly skipped: number;
  readonly refused: number;
  readonly refusedCodes: Readonly<Record<string, number>>;
  /** JWKS requests per simulated hour, from refreshes, over the whole run after the first hour. */
  readonly refreshesPerHour: number;
  /** `verifiers ÷ max-age` in requests per hour: what a fleet would send refreshing exactly at expiry. */
  readonly perMaxAge: number;
  /** What refresh-ahead should give: verifiers ÷ the mean time between refreshes (see `expectedRefreshesPerHour`). */
  readonly expectedRefreshesPerHour: number;
  /**
   * Per rotation: the unknown-kid refetches (all verifiers, and the most one verifier made), and
   * every JWKS request in the hour after it per verifier (mean and most), refreshes included.
   */
  readonly rotations: readonly {
    readonly atDay: number;
    readonly unknownKid: number;
    readonly unknownKidPerVerifierMax: number;
    readonly hourPerVerifierMean: number;
    readonly hourPerVerifierMax: number;
  }[];
  /** Refresh requests in each simulated minute after the warm-up. */
  readonly refreshPerMinute: {
    readonly mean: number;
    readonly max: number;
    readonly maxAtMinute: number;
    readonly top: readonly number[];
  };
  /** The same for every request (unknown-kid bursts at a rotation included). */
  readonly allPerMinute: { readonly mean: number; readonly max: number };
  readonly wallMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const JWKS_URI = 'https://idp.fleet.example/jwks.json';
const AUDIENCE = 'orders-api';

interface SimKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
  readonly publishAt: number;
  readonly removeAt: number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Mean ms between two refreshes of one verifier with steady traffic: the refresh-ahead point
 * (a uniform point over the last `jitter` share before `ratio` × lifetime) rounded up to the
 * verifier's next request, which on average comes half a request period later.
 */
export function meanRefreshIntervalMs(
  maxAgeSec: number,
  ratio: number,
  jitter: number,
  requestEveryMs: number,
): number {
  return maxAgeSec * 1000 * ratio * (1 - jitter / 2) + requestEveryMs / 2;
}

export async function simulateJwksFleet(options: SimulationOptions = SIMULATION_DEFAULTS): Promise<SimulationReport> {
  const wallStart = performance.now();
  const { verifiers: n, days, rotationEveryDays, graceDays, maxAgeSec, requestEveryMin } = options;
  const endMs = START + days * DAY_MS;

  // One key per rotation period; published (and signing) from its rotation, removed after the grace.
  const keys: SimKey[] = [];
  for (let i = 0; i * rotationEveryDays < days; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `k${i}`;
    const publishAt = START + i * rotationEveryDays * DAY_MS;
    keys.push({
      kid,
      privateKey,
      jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
      publishAt,
      removeAt: publishAt + (rotationEveryDays + graceDays) * DAY_MS,
    });
  }
  const published = (at: number) => keys.filter((k) => k.publishAt <= at && at < k.removeAt);
  const signingKey = (at: number) => keys.filter((k) => k.publishAt <= at).at(-1) as SimKey;

  // The endpoint: one body per key set, ETag = its kids.
  const bodies = new Map<string, { keys: Record<string, unknown>[] }>();
  const endpoint = (at: number) => {
    const set = published(at);
    const etag = `"${set.map((k) => k.kid).join('+')}"`;
    let body = bodies.get(etag);
    if (body === undefined) bodies.set(etag, (body = { keys: set.map((k) => k.jwk) }));
    return { etag, body, kids: set.map((k) => k.kid) };
  };

  // One token per (day, signing key), valid a day and an hour: new tokens every day, the new kid at once after a rotation.
  const tokens = new Map<string, string>();
  const tokenAt = (at: number): { token: string; kid: string } => {
    const key = signingKey(at);
    const day = Math.floor((at - START) / DAY_MS);
    const cacheKey = `${day}:${key.kid}`;
    let token = tokens.get(cacheKey);
    if (token === undefined) {
      const iat = Math.floor(Math.max(START + day * DAY_MS, key.publishAt) / 1000);
      const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64({ sub: 'sim', aud: AUDIENCE, iat, exp: iat + 25 * 3600 })}`;
      token = `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
      tokens.set(cacheKey, token);
    }
    return { token, kid: key.kid };
  };

  let now = START;
  const clock = () => now;
  const records: { at: number; cause: FetchCause; verifier: number }[] = [];
  let notModified = 0;
  let warming = true;
  const knownKids: Set<string>[] = [];
  // Before this, verifier i's requests with its last token cannot fetch (see the file header).
  const quietUntil: number[] = [];
  const lastToken: string[] = [];
  const aheadMs =
    Math.min(JWKS_DEFAULTS.maxMaxAgeSec, Math.max(JWKS_DEFAULTS.minMaxAgeSec, maxAgeSec)) *
    1000 *
    JWKS_DEFAULTS.refreshAheadRatio;
  // After a refresh-ahead (planned) the next one is narrowly jittered; after the first fetch or an unknown-kid refetch, widely.
  const quietMs = { planned: aheadMs * (1 - REFRESH_AHEAD_JITTER), unplanned: aheadMs * (1 - RESYNC_JITTER) };
  const expectUnknown: boolean[] = [];
  const list: Verifier[] = [];
  for (let i = 0; i < n; i++) {
    knownKids.push(new Set());
    expectUnknown.push(false);
    quietUntil.push(0);
    lastToken.push('');
    list.push(
      createVerifier({
        jwksUri: JWKS_URI,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        clock,
        // Small: a verifier here sees one token at a time (the default 10 000 preallocates per verifier).
        tokenCache: { maxEntries: 8 },
        logger: false,
        jwks: {
          fetcher: {
            fetchJson(_url, { etag }) {
              const cause: FetchCause = warming ? 'start' : expectUnknown[i] ? 'unknown-kid' : 'refresh';
              records.push({ at: now, cause, verifier: i });
              quietUntil[i] = now + (cause === 'refresh' ? quietMs.planned : quietMs.unplanned);
              const current = endpoint(now);
              if (etag === current.etag) {
                notModified++;
                return Promise.resolve({ status: 304, maxAgeSec });
              }
              knownKids[i] = new Set(current.kids);
              return Promise.resolve({ status: 200, body: current.body, etag: current.etag, maxAgeSec });
            },
          },
        },
      }),
    );
  }
  await Promise.all(list.map((v) => v.ready()));
  warming = false;

  // The verification the HTTP adapters make (the request gate's): a plain value when no key fetch
  // needs waiting for, so a month of cache hits costs no promise each.
  const verifyNow = list.map((v) => {
    const fast = (v as unknown as Record<symbol, ((token: string) => unknown) | undefined>)[
      Symbol.for('tollgate.verifyNow')
    ];
    return fast === undefined ? (token: string) => v.verify(token) : (token: string) => fast.call(v, token);
  });
  const refuse = (error: { code?: string }) => {
    refused++;
    refusedCodes[error.code ?? 'unknown'] = (refusedCodes[error.code ?? 'unknown'] ?? 0) + 1;
  };
  let verifications = 0;
  let skipped = 0;
  let refused = 0;
  const refusedCodes: Record<string, number> = {};
  const minutes = Math.round((endMs - START) / MINUTE_MS);
  for (let minute = 1; minute < minutes; minute++) {
    now = START + minute * MINUTE_MS;
    const { token, kid } = tokenAt(now);
    const pending: Promise<unknown>[] = [];
    for (let i = minute % requestEveryMin; i < n; i += requestEveryMin) {
      verifications++;
      if (now < (quietUntil[i] as number) && lastToken[i] === token) {
        skipped++;
        continue;
      }
      lastToken[i] = token;
      expectUnknown[i] = !(knownKids[i] as Set<string>).has(kid);
      try {
        const outcome = verifyNow[i]!(token);
        if (outcome instanceof Promise) pending.push(outcome.catch(refuse));
      } catch (error) {
        refuse(error as { code?: string });
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    // Background refreshes started by this minute's requests settle before the clock moves on.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(list.map((v) => v.close()));

  // Figures.
  const count = (cause: FetchCause) => records.filter((r) => r.cause === cause).length;
  const afterFirstHour = records.filter((r) => r.cause === 'refresh' && r.at >= START + HOUR_MS);
  const refreshesPerHour = afterFirstHour.length / ((endMs - START - HOUR_MS) / HOUR_MS);
  const perMinute = (which: readonly { at: number }[]) => {
    const counts = new Array<number>(minutes).fill(0);
    for (const r of which) counts[Math.floor((r.at - START) / MINUTE_MS)]!++;
    return counts.slice(1);
  };
  const refreshMinutes = perMinute(records.filter((r) => r.cause === 'refresh'));
  const allMinutes = perMinute(records.filter((r) => r.cause !== 'start'));
  const max = Math.max(...refreshMinutes);
  const rotations = keys.slice(1).map((key) => {
    // Until the next rotation: an unknown-kid refetch belongs to the rotation that caused it.
    const until = key.publishAt + rotationEveryDays * DAY_MS;
    const refetches = new Map<number, number>();
    for (const r of records)
      if (r.cause === 'unknown-kid' && r.at >= key.publishAt && r.at < until)
        refetches.set(r.verifier, (refetches.get(r.verifier) ?? 0) + 1);
    const inHour = new Map<number, number>();
    for (const r of records)
      if (r.at >= key.publishAt && r.at < key.publishAt + HOUR_MS)
        inHour.set(r.verifier, (inHour.get(r.verifier) ?? 0) + 1);
    return {
      atDay: (key.publishAt - START) / DAY_MS,
      unknownKid: [...refetches.values()].reduce((a, b) => a + b, 0),
      unknownKidPerVerifierMax: Math.max(0, ...refetches.values()),
      hourPerVerifierMean: [...inHour.values()].reduce((a, b) => a + b, 0) / n,
      hourPerVerifierMax: Math.max(0, ...inHour.values()),
    };
  });
  const defaults = { ratio: JWKS_DEFAULTS.refreshAheadRatio, jitter: REFRESH_AHEAD_JITTER };
  return {
    options,
    fetches: {
      total: records.length,
      start: count('start'),
      unknownKid: count('unknown-kid'),
      refresh: count('refresh'),
      notModified,
    },
    verifications,
    skipped,
    refused,
    refusedCodes,
    refreshesPerHour,
    perMaxAge: n / (maxAgeSec / 3600),
    expectedRefreshesPerHour:
      (n * HOUR_MS) / meanRefreshIntervalMs(maxAgeSec, defaults.ratio, defaults.jitter, requestEveryMin * MINUTE_MS),
    rotations,
    refreshPerMinute: {
      mean: refreshMinutes.reduce((a, b) => a + b, 0) / refreshMinutes.length,
      max,
      maxAtMinute: refreshMinutes.indexOf(max) + 1,
      top: [...refreshMinutes].sort((a, b) => b - a).slice(0, 5),
    },
    allPerMinute: { mean: allMinutes.reduce((a, b) => a + b, 0) / allMinutes.length, max: Math.max(...allMinutes) },
    wallMs: performance.now() - wallStart,
  };
}
