import type { Algorithm } from './algorithms.js';
import { discoverJwksUri } from './discovery.js';
import { KeyError, KeysUnavailableError, TollgateError } from './errors.js';
import type { EventHub } from './events.js';
import { freshness, type Freshness } from './freshness.js';
import { FetchFailure, fetchDeadlineMs, type JsonFetcher } from './http-fetcher.js';
import { JwksParser } from './jwks-parser.js';
import { KeySet } from './key-set.js';
import type { KeySource } from './key-source.js';
import { KidCooldown } from './kid-cooldown.js';
import type { MaybePromise } from './maybe-promise.js';
import type { ResolvedJwksOptions } from './resolve-options.js';
import { RetryBackoff } from './retry-backoff.js';
import { isWaitAborted, SharedFetch, waitFor, type FetchRun } from './shared-fetch.js';
import type { StatsRecorder } from './stats.js';
import type { VerificationKey } from './verification-key.js';

/** Read-only state of one remote key set, for readiness probes and dashboards. */
export interface JwksSourceState {
  readonly jwksUri: string | undefined;
  readonly issuer: string | undefined;
  /** `fresh`: keys within max-age; `stale`: serving keys while refreshes fail; `expired`: past max-age awaiting refresh; `empty`: no keys. */
  readonly status: 'fresh' | 'stale' | 'expired' | 'empty';
  readonly keys: number;
  readonly fetchedAt: number | null;
  readonly expiresAt: number | null;
  readonly inFlight: boolean;
  readonly coolingDown: boolean;
  readonly consecutiveFailures: number;
  readonly retryAt: number | null;
  readonly lastError: string | undefined;
}

export interface RemoteJwksDeps {
  readonly fetcher: JsonFetcher;
  readonly clock: () => number;
  readonly events: EventHub;
  readonly stats: StatsRecorder;
  /** Uniform in [0, 1), for the retry and refresh-ahead jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
}

/** The key set in use, with its freshness and validator: replaced whole, never patched. */
interface Snapshot extends Freshness {
  readonly keys: KeySet;
  readonly etag: string | undefined;
}

type Keys = readonly VerificationKey[];

/**
 * A key set fetched from a JWKS URL (given, or found through discovery) and kept fresh. It
 * decides when to fetch and what to answer meanwhile; the parts do the rest: the fetcher, the
 * parser (JWKS → `KeySet`), the shared fetch (one run in flight, sequence numbers), the retry
 * backoff, the unknown-`kid` cooldown and the freshness window.
 *
 * `keysFor` answers synchronously whenever it need not wait: keys fresh, or due for refresh
 * (refreshed in the background), or serving stale while refreshes fail. It returns a promise only
 * when the answer depends on a fetch: no keys yet, keys past max-age with no failed refresh, or an
 * unknown `kid` that may be fetched.
 */
export class RemoteJwksSource implements KeySource {
  private snapshot: Snapshot | null = null;
  private jwksUri: string | undefined;
  private readonly issuer: string | undefined;
  private readonly random: () => number;
  private readonly parser: JwksParser;
  private readonly backoff: RetryBackoff;
  private readonly cooldown: KidCooldown;
  private readonly flight: SharedFetch;
  private readonly hungAfterMs: number;

  constructor(
    target: { readonly jwksUri: string } | { readonly discover: string },
    private readonly options: ResolvedJwksOptions,
    private readonly deps: RemoteJwksDeps,
  ) {
    this.jwksUri = 'jwksUri' in target ? target.jwksUri : undefined;
    this.issuer = 'discover' in target ? target.discover : undefined;
    // Looked up per call, not captured: a test or host that replaces Math.random is honoured.
    this.random = deps.random ?? (() => Math.random());
    this.parser = new JwksParser(options.maxKeys);
    this.backoff = new RetryBackoff(options, this.random);
    this.cooldown = new KidCooldown(options.cooldownMs);
    // A refresh is at most two fetches (discovery once, then the JWKS), each within the fetch deadline.
    this.hungAfterMs = 2 * fetchDeadlineMs(options);
    this.flight = new SharedFetch(deps.clock, this.hungAfterMs);
  }

  keysFor(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): MaybePromise<Keys> {
    const now = this.deps.clock();
    const snapshot = this.usable(now);
    // Fetches started before this request; a later one has seen a JWKS newer than the token.
    const before = this.flight.latestStarted;
    if (snapshot === null) return this.afterFetch(now, null, alg, kid, signal, before);
    if (now >= snapshot.expiresAt) {
      // Past max-age: wait for the refresh, so a key removed meanwhile stops verifying.
      if (!this.backoff.failing) return this.afterFetch(now, snapshot, alg, kid, signal, before);
      // Serving stale already: retry in the background. Waiting here would hold every request
      // for up to the fetch timeout on each retry while the endpoint is slow or down. Not awaited on
      // purpose: SharedFetch.start already catches the run's rejection, and refresh() records it.
      void this.joinOrStart(now);
    } else if (now >= snapshot.refreshAt) {
      void this.joinOrStart(now, false, true);
    }
    return this.answer(snapshot.keys, alg, kid, signal, before);
  }

  /** Fetches now (sharing any fetch in flight, ignoring the backoff). Rejects with a `KeysUnavailableError` on failure. */
  async warm(signal?: AbortSignal): Promise<void> {
    await waitFor(this.joinOrStart(this.deps.clock(), true) as Promise<void>, signal);
  }

  state(): JwksSourceState {
    const now = this.deps.clock();
    const set = this.usable(now);
    return {
      jwksUri: this.jwksUri,
      issuer: this.issuer,
      status: set === null ? 'empty' : this.backoff.failing ? 'stale' : now >= set.expiresAt ? 'expired' : 'fresh',
      keys: set?.keys.size ?? 0,
      fetchedAt: set?.fetchedAt ?? null,
      expiresAt: set?.expiresAt ?? null,
      inFlight: this.flight.isRunning(now),
      coolingDown: this.cooldown.active(now),
      consecutiveFailures: this.backoff.consecutiveFailures,
      retryAt: this.backoff.nextAttemptAt,
      lastError: this.backoff.lastError,
    };
  }

  /** The candidates from `keys`, or, for an unknown `kid`, what a refetch finds. */
  private answer(
    keys: KeySet,
    alg: Algorithm,
    kid: string | undefined,
    signal: AbortSignal | undefined,
    before: number,
  ): MaybePromise<Keys> {
    const candidates = keys.lookup(alg, kid);
    if (candidates === null) return this.unknownKid(alg, kid, signal, before);
    if (this.backoff.failing) this.deps.stats.staleServed++;
    return candidates;
  }

  /** Waits for the fetch in flight (or a new one), then answers; `stale` keeps serving if that fetch fails. */
  private afterFetch(
    now: number,
    stale: Snapshot | null,
    alg: Algorithm,
    kid: string | undefined,
    signal: AbortSignal | undefined,
    before: number,
  ): MaybePromise<Keys> {
    const fetch = this.joinOrStart(now);
    if (fetch === null) {
      // Backing off (a fetch was just abandoned): serve stale, or fail fast.
      if (stale !== null) return this.answer(stale.keys, alg, kid, signal, before);
      throw this.unavailable(now);
    }
    return this.thenAnswer(fetch, stale !== null, alg, kid, signal, before);
  }

  private async thenAnswer(
    fetch: Promise<void>,
    staleIfError: boolean,
    alg: Algorithm,
    kid: string | undefined,
    signal: AbortSignal | undefined,
    before: number,
  ): Promise<Keys> {
    try {
      await waitFor(fetch, signal);
    } catch (error) {
      if (!staleIfError || isWaitAborted(error)) throw error;
    }
    const now = this.deps.clock();
    const set = this.usable(now);
    if (set === null) throw this.unavailable(now);
    return this.answer(set.keys, alg, kid, signal, before);
  }

  /**
   * A `kid` the key set lacks. A fetch in flight may bring it: join that. Otherwise refetch once
   * (the first token after a rotation verifies), unless a fetch started after this request has
   * already answered, the backoff says wait, or the unknown-`kid` cooldown is running.
   */
  private unknownKid(
    alg: Algorithm,
    kid: string | undefined,
    signal: AbortSignal | undefined,
    before: number,
  ): MaybePromise<Keys> {
    const now = this.deps.clock();
    if (kid === undefined || this.flight.latestApplied > before) throw this.notFound(alg, kid, now);
    const running = this.inFlight(now);
    if (running !== null) return this.thenLookUp(running, false, alg, kid, signal, before);
    if (!this.backoff.mayAttempt(now)) throw this.unavailable(now);
    if (!this.cooldown.tryStart(now)) throw this.notFound(alg, kid, now);
    const refetch = this.start();
    // A failed refetch said nothing about the kid: the backoff alone limits the next attempt.
    refetch.catch(() => this.cooldown.cancel(now));
    return this.thenLookUp(refetch, true, alg, kid, signal, before);
  }

  private async thenLookUp(
    fetch: Promise<void>,
    own: boolean,
    alg: Algorithm,
    kid: string,
    signal: AbortSignal | undefined,
    before: number,
  ): Promise<Keys> {
    try {
      await waitFor(fetch, signal);
    } catch (error) {
      // The refetch this request started failed: say so. A joined fetch that failed: decide again.
      if (own || isWaitAborted(error)) throw error;
    }
    const now = this.deps.clock();
    const set = this.usable(now);
    if (set === null) throw this.unavailable(now);
    return this.answer(set.keys, alg, kid, signal, before);
  }

  /**
   * The fetch in flight, or a new one if the backoff allows it (or `force`); `null` otherwise.
   * `planned`: a refresh-ahead, whose next refresh keeps the narrow jitter (see `freshness.ts`).
   */
  private joinOrStart(now: number, force = false, planned = false): Promise<void> | null {
    const running = this.inFlight(now);
    if (running !== null) return running;
    return force || this.backoff.mayAttempt(now) ? this.start(planned) : null;
  }

  private inFlight(now: number): Promise<void> | null {
    const { promise, abandoned } = this.flight.inFlight(now);
    if (abandoned !== null) {
      const error = new FetchFailure(`no answer within ${this.hungAfterMs} ms; the request was abandoned`, undefined);
      this.failed(now, error, this.jwksUri, this.hungAfterMs, undefined);
    }
    return promise;
  }

  private start(planned = false): Promise<void> {
    return this.flight.start((run) => this.refresh(run, planned));
  }

  /** One run: discovery when the JWKS URL is not known yet, then the JWKS (conditional when an ETag is cached). */
  private async refresh(run: FetchRun, planned: boolean): Promise<void> {
    const { events, stats, clock, fetcher } = this.deps;
    let url = this.jwksUri;
    let status: number | undefined;
    const started = performance.now();
    try {
      if (url === undefined) {
        stats.discoveryFetches++;
        url = this.jwksUri = await discoverJwksUri(
          this.issuer as string,
          fetcher,
          events,
          this.options.allowHttp,
          run.signal,
        );
      }
      stats.fetches++;
      const sent = this.snapshot?.etag;
      const result = await fetcher.fetchJson(url, { etag: sent, signal: run.signal });
      status = result.status;
      const times = freshness(clock(), result.maxAgeSec, this.options, this.random, planned);
      let applied = false;
      if (result.status === 304) {
        const current = this.snapshot;
        if (sent === undefined || current === null)
          throw new FetchFailure(`${url} answered 304 Not Modified to a request without If-None-Match`, 304);
        stats.notModified++;
        // A 304 confirms the set whose ETag it was sent, and only while no newer answer replaced it.
        applied = current.etag === sent && this.flight.claim(run.sequence);
        if (applied) this.snapshot = { ...current, ...times };
      } else {
        const { set, rejected } = this.parser.parse(url, result.body);
        if (rejected.length > 0 && events.has('keys:rejected'))
          events.emit('keys:rejected', { jwksUri: url, rejected });
        // A slower, older fetch must never overwrite a newer key set.
        applied = this.flight.claim(run.sequence);
        if (applied) this.swap(url, set, result.etag, times);
      }
      if (applied || this.flight.isCurrent(run.sequence)) this.backoff.succeeded();
      if (events.has('fetch')) {
        events.emit('fetch', {
          kind: 'jwks',
          url,
          durationMs: performance.now() - started,
          status,
          outcome: result.status === 304 ? 'not-modified' : 'updated',
        });
      }
    } catch (error) {
      // An abandoned run was reported when it was abandoned; the run in flight now owns the state.
      if (!this.flight.isCurrent(run.sequence)) throw error;
      const now = clock();
      this.failed(
        now,
        error,
        url,
        performance.now() - started,
        error instanceof FetchFailure ? error.httpStatus : status,
      );
      if (error instanceof TollgateError) throw error;
      throw new KeysUnavailableError(
        'ERR_JWKS_FETCH_FAILED',
        `Fetching the JWKS failed: ${this.backoff.lastError ?? 'unknown error'}.`,
        {
          retryAfterSec: this.backoff.retryAfterSec(now),
          cause: error,
        },
      );
    }
  }

  /** Records a failed run: backoff, counters, a `fetch` event (when the JWKS URL is known) and `jwks:stale`. */
  private failed(
    now: number,
    error: unknown,
    url: string | undefined,
    durationMs: number,
    status: number | undefined,
  ): void {
    const { events, stats } = this.deps;
    this.backoff.failed(now, error);
    const message = this.backoff.lastError as string;
    if (url !== undefined) {
      stats.fetchErrors++;
      if (events.has('fetch'))
        events.emit('fetch', { kind: 'jwks', url, durationMs, status, outcome: 'error', error: message });
    }
    const set = this.snapshot;
    if (set !== null && events.has('jwks:stale'))
      events.emit('jwks:stale', {
        jwksUri: url ?? '',
        ageSec: Math.floor((now - set.fetchedAt) / 1000),
        error: message,
      });
  }

  private swap(url: string, keys: KeySet, etag: string | undefined, times: Freshness): void {
    const previous = this.snapshot?.keys ?? KeySet.EMPTY;
    this.snapshot = { keys, etag, ...times };
    const { added, removed } = previous.changesTo(keys);
    const { events, stats } = this.deps;
    stats.keysAdded += added.length;
    stats.keysRemoved += removed.length;
    if (added.length > 0 && events.has('keys:added'))
      events.emit('keys:added', { jwksUri: url, kids: added.map((k) => k.kid) });
    if (removed.length > 0 && events.has('keys:removed'))
      events.emit('keys:removed', { jwksUri: url, kids: removed.map((k) => k.kid) });
  }

  /** The current set, unless stale-if-error has run out: then the keys are dropped for good, visibly. */
  private usable(now: number): Snapshot | null {
    const set = this.snapshot;
    if (set !== null && now >= set.expiresAt && now - set.fetchedAt > this.options.maxStaleSec * 1000) {
      this.snapshot = null;
      this.deps.stats.keysRemoved += set.keys.size;
      if (this.deps.events.has('keys:removed'))
        this.deps.events.emit('keys:removed', { jwksUri: this.jwksUri ?? '', kids: set.keys.all.map((k) => k.kid) });
      return null;
    }
    return set;
  }

  private notFound(alg: Algorithm, kid: string | undefined, now: number): TollgateError {
    if (this.backoff.failing) return this.unavailable(now);
    return kid === undefined
      ? new KeyError('ERR_KEY_NOT_FOUND', `No key in the JWKS fits a token without "kid" signed with ${alg}.`)
      : new KeyError(
          'ERR_KEY_NOT_FOUND',
          'The token\'s "kid" is not in the issuer\'s JWKS; the key may have been removed or the token forged.',
        );
  }

  private unavailable(now: number): KeysUnavailableError {
    return new KeysUnavailableError(
      'ERR_JWKS_UNAVAILABLE',
      `Signing keys are unavailable: ${this.backoff.lastError ?? 'the key set could not be fetched'}. Retry later.`,
      {
        retryAfterSec: this.backoff.retryAfterSec(now),
      },
    );
  }
}
