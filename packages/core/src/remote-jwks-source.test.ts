// RemoteJwksSource on an injected clock and random source, with a JsonFetcher whose answers the
// test hands out one by one: freshness decisions, when keysFor answers synchronously, and the
// races between callers and fetches. Real HTTP is covered in remote-jwks.test.ts and
// http-fetcher.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { EventHub, type VerifierEvents } from './events.js';
import type { FetchResult, JsonFetcher, JsonFetchOptions } from './http-fetcher.js';
import type { MaybePromise } from './maybe-promise.js';
import { RemoteJwksSource } from './remote-jwks.js';
import { JWKS_DEFAULTS, type ResolvedJwksOptions } from './resolve-options.js';
import { StatsRecorder } from './stats.js';
import { manualClock } from './testing/clock.js';
import { makeKey, type TestKey } from './testing/keys.js';
import type { VerificationKey } from './verification-key.js';

const URL = 'https://issuer.example/jwks.json';
const T0 = Date.UTC(2026, 11, 1);
/** 2 × (connect + headers + body timeouts) with the defaults. */
const HUNG_AFTER_MS = 16_000;

let k1: TestKey;
let k2: TestKey;
let k3: TestKey;

beforeAll(() => {
  k1 = makeKey('RS256', 'k1');
  k2 = makeKey('RS256', 'k2');
  k3 = makeKey('ES256', 'k3');
});

interface Call {
  readonly url: string;
  readonly options: JsonFetchOptions;
  answer(result: FetchResult): void;
  fail(error: Error): void;
}

/** A fetcher that records each call and leaves it pending until the test answers it. */
class HeldFetcher implements JsonFetcher {
  readonly calls: Call[] = [];
  fetchJson(url: string, options: JsonFetchOptions): Promise<FetchResult> {
    return new Promise((resolve, reject) => this.calls.push({ url, options, answer: resolve, fail: reject }));
  }
  get last(): Call {
    const call = this.calls.at(-1);
    if (call === undefined) throw new Error('no fetch was made');
    return call;
  }
}

const jwks = (keys: TestKey[], maxAgeSec = 600, etag?: string): FetchResult => ({
  status: 200,
  body: { keys: keys.map((k) => k.publicJwk) },
  etag,
  maxAgeSec,
});

function setup(options: Partial<ResolvedJwksOptions> = {}, random = () => 0) {
  const clock = manualClock(T0);
  const fetcher = new HeldFetcher();
  const events = new EventHub();
  const stats = new StatsRecorder();
  const seen: string[] = [];
  for (const name of ['keys:added', 'keys:removed', 'jwks:stale'] as const) {
    events.on(name, (e: VerifierEvents[typeof name]) =>
      seen.push(`${name} ${'kids' in e ? e.kids.join(',') : e.error}`),
    );
  }
  const source = new RemoteJwksSource(
    { jwksUri: URL },
    { ...JWKS_DEFAULTS, dispatcher: undefined, fetcher: undefined, ...options },
    { fetcher, clock: clock.now, events, stats, random },
  );
  return { source, clock, fetcher, stats, seen };
}

/** Lets promise callbacks run (fake fetches settle in microtasks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const kids = (keys: readonly VerificationKey[]) => keys.map((k) => k.kid);
const sync = (answer: MaybePromise<readonly VerificationKey[]>) => {
  if (answer instanceof Promise) throw new Error('expected a synchronous answer, got a promise');
  return kids(answer);
};
const later = async (answer: MaybePromise<readonly VerificationKey[]>) => {
  if (!(answer instanceof Promise)) throw new Error('expected a promise, got a synchronous answer');
  return kids(await answer);
};
const code = (run: () => unknown) => {
  try {
    const answer = run();
    return answer instanceof Promise ? 'promise' : 'answered';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

/** A source whose key set (k1, k2; max-age 600 s) arrived at T0. */
async function warmed(options: Partial<ResolvedJwksOptions> = {}, random = () => 0) {
  const world = setup(options, random);
  const warming = world.source.warm();
  world.fetcher.last.answer(jwks([k1, k2], 600, '"v1"'));
  await warming;
  return world;
}

describe('keysFor answers without waiting whenever it can', () => {
  it('waits on an empty source, then answers fresh keys synchronously with no further fetch', async () => {
    const { source, fetcher } = setup();
    const first = source.keysFor('RS256', 'k1');
    expect(fetcher.calls).toHaveLength(1);
    fetcher.last.answer(jwks([k1, k2]));
    expect(await later(first)).toEqual(['k1']);
    expect(sync(source.keysFor('RS256', 'k2'))).toEqual(['k2']);
    expect(fetcher.calls).toHaveLength(1);
  });

  it('within refresh-ahead, answers at once and refreshes in the background, once', async () => {
    const { source, clock, fetcher } = await warmed();
    clock.advance(480_000); // 0.8 × 600 s with random 0
    expect(sync(source.keysFor('RS256', 'k1'))).toEqual(['k1']);
    expect(fetcher.calls).toHaveLength(2);
    expect(fetcher.last.options.etag).toBe('"v1"');
    expect(sync(source.keysFor('RS256', 'k2'))).toEqual(['k2']);
    expect(source.state()).toMatchObject({ status: 'fresh', inFlight: true });
    expect(fetcher.calls).toHaveLength(2);
    fetcher.last.answer({ status: 304, maxAgeSec: 600 });
    await flush();
    expect(source.state()).toMatchObject({ status: 'fresh', inFlight: false, fetchedAt: T0 + 480_000 });
  });

  it('spreads the refresh-ahead point by the injected random: wide after the first fetch, narrow after a refresh-ahead', async () => {
    const { source, clock, fetcher } = await warmed({}, () => 0.5);
    // The first fetch is unplanned: the next refresh anywhere in 10–100 % of the 480 s ratio point; 0.5 gives 264 s.
    clock.advance(263_999);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.calls).toHaveLength(1);
    clock.advance(1);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.calls).toHaveLength(2);
    fetcher.last.answer(jwks([k1, k2]));
    await flush();
    // That refresh-ahead was planned: the next one in 80–100 % of the point; 0.5 gives 432 s after it.
    clock.advance(431_999);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.calls).toHaveLength(2);
    clock.advance(1);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.calls).toHaveLength(3);
  });

  it('past max-age with no failed refresh, waits for the refresh: a removed key stops at once', async () => {
    const { source, clock, fetcher, seen } = await warmed();
    clock.advance(600_000);
    const answer = source.keysFor('RS256', 'k2');
    expect(answer).toBeInstanceOf(Promise);
    fetcher.last.answer(jwks([k1]));
    await expect(answer).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    // The refresh this request waited for already answered for the kid: no second fetch.
    expect(fetcher.calls).toHaveLength(2);
    expect(seen).toEqual(['keys:added k1,k2', 'keys:removed k2']);
  });

  it('serves stale while refreshes fail, synchronously, retrying in the background after the jittered backoff', async () => {
    const { source, clock, fetcher, stats, seen } = await warmed({ retryBaseMs: 1000 });
    clock.advance(600_000);
    const waited = source.keysFor('RS256', 'k1');
    fetcher.last.fail(new Error('HTTP 500'));
    expect(await later(waited)).toEqual(['k1']);
    expect(source.state()).toMatchObject({
      status: 'stale',
      consecutiveFailures: 1,
      retryAt: T0 + 600_500,
      lastError: 'HTTP 500',
    });
    expect(sync(source.keysFor('RS256', 'k1'))).toEqual(['k1']);
    expect(fetcher.calls).toHaveLength(2);
    clock.advance(500);
    expect(sync(source.keysFor('RS256', 'k2'))).toEqual(['k2']);
    expect(fetcher.calls).toHaveLength(3);
    fetcher.last.answer(jwks([k1, k2]));
    await flush();
    expect(source.state()).toMatchObject({ status: 'fresh', consecutiveFailures: 0, retryAt: null });
    expect(stats.staleServed).toBe(3);
    expect(seen).toEqual(['keys:added k1,k2', 'jwks:stale HTTP 500']);
  });

  it('drops a stale set after maxStaleSec, visibly, and then fails fast while backing off', async () => {
    const { source, clock, fetcher, stats, seen } = await warmed({ maxStaleSec: 3600 });
    clock.advance(600_000);
    const waited = source.keysFor('RS256', 'k1');
    fetcher.last.fail(new Error('ECONNREFUSED'));
    await waited;
    clock.advance(3_000_001);
    const answer = source.keysFor('RS256', 'k1');
    expect(source.state()).toMatchObject({ status: 'empty', keys: 0 });
    fetcher.last.fail(new Error('ECONNREFUSED'));
    await expect(answer).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
    expect(code(() => source.keysFor('RS256', 'k1'))).toBe('ERR_JWKS_UNAVAILABLE');
    expect(seen).toContain('keys:removed k1,k2');
    expect(stats.keysRemoved).toBe(2);
  });

  it('refuses a known kid that cannot verify the alg, and a token without kid when several keys fit, without fetching', async () => {
    const { source, fetcher } = await warmed();
    expect(code(() => source.keysFor('ES256', 'k1'))).toBe('ERR_ALG_KEY_MISMATCH');
    expect(code(() => source.keysFor('RS256', undefined))).toBe('ERR_KEY_AMBIGUOUS');
    expect(code(() => source.keysFor('ES256', undefined))).toBe('ERR_KEY_NOT_FOUND');
    expect(fetcher.calls).toHaveLength(1);
  });
});

describe('unknown kid', () => {
  it('refetches once and finds a key added since; during the cooldown, another unknown kid fails synchronously', async () => {
    const { source, clock, fetcher } = await warmed({ cooldownMs: 10_000 });
    const rotated = source.keysFor('ES256', 'k3');
    fetcher.last.answer(jwks([k1, k2, k3]));
    expect(await later(rotated)).toEqual(['k3']);
    expect(code(() => source.keysFor('RS256', 'nope'))).toBe('ERR_KEY_NOT_FOUND');
    expect(source.state().coolingDown).toBe(true);
    expect(fetcher.calls).toHaveLength(2);
    clock.advance(10_000);
    expect(code(() => source.keysFor('RS256', 'nope'))).toBe('promise');
    expect(fetcher.calls).toHaveLength(3);
  });

  it('concurrent unknown kids during one refetch share it: one fetch, every one refused, then the cooldown holds', async () => {
    const { source, fetcher } = await warmed();
    const answers = ['x', 'y', 'z'].map((kid) => source.keysFor('RS256', kid));
    expect(answers).toEqual([expect.any(Promise), expect.any(Promise), expect.any(Promise)]);
    expect(fetcher.calls).toHaveLength(2);
    fetcher.last.answer(jwks([k1, k2]));
    const outcomes = await Promise.allSettled(answers.map((answer) => Promise.resolve(answer)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'accepted'))).toEqual([
      'ERR_KEY_NOT_FOUND',
      'ERR_KEY_NOT_FOUND',
      'ERR_KEY_NOT_FOUND',
    ]);
    expect(code(() => source.keysFor('RS256', 'w'))).toBe('ERR_KEY_NOT_FOUND');
    expect(fetcher.calls).toHaveLength(2);
  });

  it('an unknown kid arriving while a background refresh runs joins it, and the rotation it brings verifies', async () => {
    const { source, clock, fetcher } = await warmed();
    clock.advance(480_000);
    sync(source.keysFor('RS256', 'k1'));
    const joined = source.keysFor('ES256', 'k3');
    expect(fetcher.calls).toHaveLength(2);
    fetcher.last.answer(jwks([k1, k2, k3]));
    expect(await later(joined)).toEqual(['k3']);
    expect(fetcher.calls).toHaveLength(2);
  });

  it('a failed refetch ends its cooldown; the kid verifies once the backoff allows the next fetch', async () => {
    const { source, clock, fetcher } = await warmed({ retryBaseMs: 100, retryMaxMs: 100 });
    const first = source.keysFor('ES256', 'k3');
    fetcher.last.fail(new Error('HTTP 503'));
    await expect(first).rejects.toMatchObject({
      code: 'ERR_JWKS_FETCH_FAILED',
      message: 'Fetching the JWKS failed: HTTP 503.',
    });
    expect(source.state().coolingDown).toBe(false);
    expect(code(() => source.keysFor('ES256', 'k3'))).toBe('ERR_JWKS_UNAVAILABLE');
    clock.advance(50);
    const second = source.keysFor('ES256', 'k3');
    fetcher.last.answer(jwks([k1, k2, k3]));
    expect(await later(second)).toEqual(['k3']);
  });
});

describe('races', () => {
  it('callers waiting on a refresh all get the key set it brings, from one fetch', async () => {
    const { source, clock, fetcher } = await warmed();
    clock.advance(600_000);
    const waiting = [source.keysFor('RS256', 'k1'), source.keysFor('ES256', 'k3'), source.keysFor('RS256', 'k1')];
    expect(fetcher.calls).toHaveLength(2);
    fetcher.last.answer(jwks([k1, k3]));
    expect(await Promise.all(waiting.map(later))).toEqual([['k1'], ['k3'], ['k1']]);
    expect(fetcher.calls).toHaveLength(2);
    expect(sync(source.keysFor('ES256', 'k3'))).toEqual(['k3']);
  });

  it("a caller's abort ends its own wait, not the shared fetch the others still get keys from", async () => {
    const { source, fetcher } = setup();
    const controller = new AbortController();
    const impatient = source.keysFor('RS256', 'k1', controller.signal);
    const patient = source.keysFor('RS256', 'k1');
    controller.abort();
    await expect(impatient).rejects.toMatchObject({ code: 'ERR_KEY_WAIT_ABORTED', status: 503 });
    expect(fetcher.last.options.signal?.aborted).toBe(false);
    fetcher.last.answer(jwks([k1]));
    expect(await later(patient)).toEqual(['k1']);
    expect(fetcher.calls).toHaveLength(1);
  });

  it('an abort while waiting past max-age is an abort, not a licence to serve the expired set', async () => {
    const { source, clock, fetcher } = await warmed();
    clock.advance(600_000);
    const controller = new AbortController();
    const answer = source.keysFor('RS256', 'k1', controller.signal);
    controller.abort();
    await expect(answer).rejects.toMatchObject({ code: 'ERR_KEY_WAIT_ABORTED' });
    fetcher.last.answer(jwks([k2]));
    await flush();
    expect(code(() => source.keysFor('RS256', 'k1'))).toBe('promise');
  });

  it("an older fetch's result arriving after a newer one is dropped", async () => {
    const { source, clock, fetcher, seen } = await warmed();
    clock.advance(600_000);
    const first = source.keysFor('RS256', 'k1');
    const older = fetcher.last;
    // The first refresh hangs past its deadline: the next caller abandons it (a failure, so the
    // backoff holds the next fetch for 500 ms) and is served the stale set at once.
    clock.advance(HUNG_AFTER_MS);
    expect(sync(source.keysFor('RS256', 'k1'))).toEqual(['k1']);
    expect(older.options.signal?.aborted).toBe(true);
    expect(await later(first)).toEqual(['k1']);
    expect(fetcher.calls).toHaveLength(2);
    clock.advance(500);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.calls).toHaveLength(3);
    fetcher.last.answer(jwks([k3]));
    await flush();
    // The abandoned fetch answers last, with the set from before the rotation.
    older.answer(jwks([k1, k2]));
    await flush();
    expect(sync(source.keysFor('ES256', 'k3'))).toEqual(['k3']);
    expect(code(() => source.keysFor('RS256', 'k1'))).toBe('promise');
    expect(seen).toEqual([
      'keys:added k1,k2',
      `jwks:stale no answer within ${HUNG_AFTER_MS} ms; the request was abandoned`,
      'keys:added k3',
      'keys:removed k1,k2',
    ]);
  });

  it('a 304 confirms only the set whose ETag it was sent for', async () => {
    const { source, clock, fetcher } = await warmed();
    clock.advance(600_000);
    const first = source.keysFor('RS256', 'k1');
    const older = fetcher.last;
    expect(older.options.etag).toBe('"v1"');
    clock.advance(HUNG_AFTER_MS);
    sync(source.keysFor('RS256', 'k1'));
    await first;
    clock.advance(500);
    sync(source.keysFor('RS256', 'k1'));
    expect(fetcher.last.options.etag).toBe('"v1"');
    fetcher.last.answer(jwks([k3], 60, '"v2"'));
    await flush();
    const state = source.state();
    older.answer({ status: 304, maxAgeSec: 86_400 });
    await flush();
    expect(source.state()).toEqual(state);
    expect(state.expiresAt! - state.fetchedAt!).toBe(60_000);
  });
});
