import { LRUCache } from 'lru-cache';
import type { Algorithm } from './algorithms.js';
import { discoverJwksUri } from './discovery.js';
import { AlgorithmError, KeyError, KeysUnavailableError, TollgateError } from './errors.js';
import type { EventHub } from './events.js';
import { FetchFailure, type JsonFetcher } from './http-fetcher.js';
import type { KeySource } from './key-source.js';
import type { ResolvedJwksOptions } from './resolve-options.js';
import type { StatsRecorder } from './stats.js';
import { importJwk, type KeyRejection, type VerificationKey } from './verification-key.js';

/** One imported JWKS, replaced whole on every change and never patched in place. */
interface KeySet {
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>;
  readonly all: readonly VerificationKey[];
  readonly members: ReadonlySet<VerificationKey>;
  readonly etag: string | undefined;
  /** When the last successful response (200 or 304) arrived. */
  readonly fetchedAt: number;
  readonly refreshAt: number;
  readonly expiresAt: number;
}

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
}

/** A key set fetched from a JWKS URL (given, or found through discovery) and kept fresh. */
export class RemoteJwksSource implements KeySource {
  private keySet: KeySet | null = null;
  private jwksUri: string | undefined;
  private inFlight: Promise<void> | null = null;
  private sequence = 0;
  private appliedSequence = 0;
  private failures = 0;
  private retryAt = 0;
  private lastError: string | undefined;
  private cooldownUntil = 0;
  private readonly imported: LRUCache<string, VerificationKey>;

  constructor(
    target: { readonly jwksUri: string } | { readonly discover: string },
    private readonly options: ResolvedJwksOptions,
    private readonly deps: RemoteJwksDeps,
  ) {
    this.jwksUri = 'jwksUri' in target ? target.jwksUri : undefined;
    this.issuer = 'discover' in target ? target.discover : undefined;
    this.imported = new LRUCache({ max: options.maxKeys * 2 });
  }

  private readonly issuer: string | undefined;

  keysFor(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
    return this.keysNow(alg, kid) ?? this.getKeys(alg, kid, signal);
  }

  private async getKeys(alg: Algorithm, kid: string | undefined, signal?: AbortSignal): Promise<readonly VerificationKey[]> {
    const now = this.deps.clock();
    let set = this.usableSet(now);
    if (set === null) {
      await this.refreshNow(now, signal);
      set = this.keySet as KeySet;
    } else if (now >= set.expiresAt) {
      if (this.failures > 0) {
        // Already serving stale: retry in the background. Waiting here would hold every request
        // for up to the fetch timeout on each retry while the endpoint is slow or down.
        if (this.mayFetch(now)) this.refreshInBackground();
      } else {
        // Past max-age: wait for the refresh so a key removed meanwhile stops verifying; serve stale if it fails.
        if (this.mayFetch(now)) await this.refreshNow(now, signal).catch(() => undefined);
        set = this.usableSet(now) ?? set;
      }
    } else if (now >= set.refreshAt && this.mayFetch(now)) {
      this.refreshInBackground();
    }

    let candidates = this.lookup(set, alg, kid);
    if (candidates === null && kid !== undefined) {
      // A fetch already under way may bring the kid; join it rather than start another.
      if (this.inFlight !== null) {
        await this.wait(this.inFlight, signal).catch(() => undefined);
        candidates = this.lookup(this.keySet ?? set, alg, kid);
      }
      // Still unknown: one refetch right away (the first token after a rotation succeeds), then a cooldown.
      const at = this.deps.clock();
      if (candidates === null && at >= this.cooldownUntil && this.mayFetch(at)) {
        this.cooldownUntil = at + this.options.cooldownMs;
        try {
          await this.refreshNow(at, signal);
        } catch (error) {
          // A failed fetch said nothing about this kid; the retry backoff alone limits the next attempt.
          this.cooldownUntil = 0;
          throw error;
        }
        candidates = this.lookup(this.keySet ?? set, alg, kid);
      }
    }
    if (candidates === null) {
      if (this.failures > 0) throw this.unavailable(this.deps.clock());
      throw kid === undefined
        ? new KeyError('ERR_KEY_NOT_FOUND', `No key in the JWKS fits a token without "kid" signed with ${alg}.`)
        : new KeyError('ERR_KEY_NOT_FOUND', 'The token\'s "kid" is not in the issuer\'s JWKS; the key may have been removed or the token forged.');
    }
    if (this.failures > 0) this.deps.stats.staleServed++;
    return candidates;
  }

  private keysNow(alg: Algorithm, kid: string | undefined): readonly VerificationKey[] | undefined {
    const set = this.keySet;
    // Only a set inside its freshness window, with no failed refresh: anything else needs getKeys' decisions.
    if (set === null || this.failures > 0 || this.deps.clock() >= set.refreshAt) return undefined;
    return this.lookup(set, alg, kid) ?? undefined;
  }

  /** Fetches now (sharing any fetch in flight). Rejects with a `KeysUnavailableError` on failure. */
  async warm(signal?: AbortSignal): Promise<void> {
    await this.wait(this.inFlight ?? this.startRefresh(), signal);
  }

  state(): JwksSourceState {
    const now = this.deps.clock();
    const set = this.usableSet(now);
    return {
      jwksUri: this.jwksUri,
      issuer: this.issuer,
      status: set === null ? 'empty' : this.failures > 0 ? 'stale' : now >= set.expiresAt ? 'expired' : 'fresh',
      keys: set?.all.length ?? 0,
      fetchedAt: set?.fetchedAt ?? null,
      expiresAt: set?.expiresAt ?? null,
      inFlight: this.inFlight !== null,
      coolingDown: now < this.cooldownUntil,
      consecutiveFailures: this.failures,
      retryAt: this.failures > 0 ? this.retryAt : null,
      lastError: this.lastError,
    };
  }

  /** The current set, unless stale-if-error has run out (then keys are dropped for good). */
  private usableSet(now: number): KeySet | null {
    const set = this.keySet;
    if (set !== null && now >= set.expiresAt && now - set.fetchedAt > this.options.maxStaleSec * 1000) {
      this.keySet = null;
      this.deps.stats.keysRemoved += set.all.length;
      if (this.deps.events.has('keys:removed')) this.deps.events.emit('keys:removed', { jwksUri: this.jwksUri ?? '', kids: set.all.map((k) => k.kid) });
      return null;
    }
    return set;
  }

  private lookup(set: KeySet, alg: Algorithm, kid: string | undefined): readonly VerificationKey[] | null {
    if (kid === undefined) {
      const fitting = set.all.filter((key) => key.algorithms.has(alg));
      if (fitting.length > 1) throw new KeyError('ERR_KEY_AMBIGUOUS', `Token has no "kid" and ${fitting.length} keys fit ${alg}; the issuer must set "kid".`);
      return fitting.length === 1 ? fitting : null;
    }
    const byKid = set.byKid.get(kid);
    if (byKid === undefined) return null;
    const fitting = byKid.filter((key) => key.algorithms.has(alg));
    if (fitting.length === 0) throw new AlgorithmError('ERR_ALG_KEY_MISMATCH', `The key named by the token's "kid" cannot verify ${alg} (its type, curve or alg differ).`);
    return fitting;
  }

  private mayFetch(now: number): boolean {
    return this.failures === 0 || now >= this.retryAt;
  }

  private unavailable(now: number): KeysUnavailableError {
    return new KeysUnavailableError('ERR_JWKS_UNAVAILABLE', `Signing keys are unavailable: ${this.lastError ?? 'the key set could not be fetched'}. Retry later.`, {
      retryAfterSec: Math.max(1, (this.retryAt - now) / 1000),
    });
  }

  private async refreshNow(now: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.inFlight === null && !this.mayFetch(now)) throw this.unavailable(now);
    await this.wait(this.inFlight ?? this.startRefresh(), signal);
  }

  private refreshInBackground(): void {
    if (this.inFlight === null) this.startRefresh().catch(() => undefined);
  }

  /** Caller-side wait: a caller's signal stops its own wait, never the shared fetch. */
  private wait(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return promise;
    if (signal.aborted) return Promise.reject(aborted());
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  private startRefresh(): Promise<void> {
    const promise = this.refresh().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = promise;
    return promise;
  }

  private async refresh(): Promise<void> {
    const sequence = ++this.sequence;
    const { events, stats, clock, fetcher } = this.deps;
    let url = this.jwksUri;
    let status: number | undefined;
    const started = performance.now();
    try {
      if (url === undefined) {
        stats.discoveryFetches++;
        url = this.jwksUri = await discoverJwksUri(this.issuer as string, fetcher, events, this.options.allowHttp);
      }
      stats.fetches++;
      const result = await fetcher.fetchJson(url, { etag: this.keySet?.etag });
      status = result.status;
      const now = clock();
      const maxAgeMs = this.freshnessMs(result.maxAgeSec);
      if (result.status === 304 && this.keySet !== null) {
        stats.notModified++;
        if (sequence > this.appliedSequence) {
          this.appliedSequence = sequence;
          this.keySet = { ...this.keySet, fetchedAt: now, refreshAt: now + maxAgeMs * this.options.refreshAheadRatio, expiresAt: now + maxAgeMs };
        }
        this.succeeded();
        if (events.has('fetch')) events.emit('fetch', { kind: 'jwks', url, durationMs: performance.now() - started, status, outcome: 'not-modified' });
        return;
      }
      if (result.status !== 200) throw new FetchFailure(`${url} answered 304 to a request without a cached key set`, 304);
      const keys = this.importAll(url, result.body);
      // A slower, older fetch must never overwrite a newer key set.
      if (sequence > this.appliedSequence) {
        this.appliedSequence = sequence;
        this.swap(url, keys, result.etag, now, maxAgeMs);
      }
      this.succeeded();
      if (events.has('fetch')) events.emit('fetch', { kind: 'jwks', url, durationMs: performance.now() - started, status, outcome: 'updated' });
    } catch (error) {
      this.failed(clock(), error);
      const message = this.lastError as string;
      if (url !== undefined && !(error instanceof KeysUnavailableError && error.code.startsWith('ERR_DISCOVERY'))) {
        stats.fetchErrors++;
        if (events.has('fetch'))
          events.emit('fetch', { kind: 'jwks', url, durationMs: performance.now() - started, status: error instanceof FetchFailure ? error.httpStatus : status, outcome: 'error', error: message });
      }
      const set = this.keySet;
      if (set !== null && events.has('jwks:stale')) {
        events.emit('jwks:stale', { jwksUri: url ?? '', ageSec: Math.floor((clock() - set.fetchedAt) / 1000), error: message });
      }
      if (error instanceof TollgateError) throw error;
      throw new KeysUnavailableError('ERR_JWKS_FETCH_FAILED', `Fetching the JWKS failed: ${message}.`, {
        retryAfterSec: (this.retryAt - clock()) / 1000,
        cause: error,
      });
    }
  }

  private freshnessMs(maxAgeSec: number | undefined): number {
    const { defaultMaxAgeSec, minMaxAgeSec, maxMaxAgeSec } = this.options;
    const sec = Math.min(maxMaxAgeSec, Math.max(minMaxAgeSec, maxAgeSec ?? defaultMaxAgeSec));
    return sec * 1000;
  }

  private succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = undefined;
  }

  private failed(now: number, error: unknown): void {
    this.failures++;
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(this.failures - 1, 30));
    // Full-range jitter in [ceiling/2, ceiling]: many instances that failed together do not retry together.
    this.retryAt = now + ceiling / 2 + Math.random() * (ceiling / 2);
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  private importAll(url: string, body: unknown): VerificationKey[] {
    const entries = (body as { keys?: unknown } | null)?.keys;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(entries)) {
      throw new KeysUnavailableError('ERR_JWKS_INVALID', `${url} is not a JWK Set: expected a JSON object with a "keys" array.`);
    }
    if (entries.length > this.options.maxKeys) {
      throw new KeysUnavailableError('ERR_JWKS_INVALID', `${url} lists ${entries.length} keys, over jwks.maxKeys (${this.options.maxKeys}).`);
    }
    const keys: VerificationKey[] = [];
    const rejected: { kid: string | undefined; reason: KeyRejection }[] = [];
    for (const entry of entries as unknown[]) {
      const cacheKey = importCacheKey(entry);
      let key = cacheKey === undefined ? undefined : this.imported.get(cacheKey);
      if (key === undefined) {
        const result = importJwk(entry);
        if (typeof result === 'string') {
          const kid = (entry as { kid?: unknown } | null)?.kid;
          rejected.push({ kid: typeof kid === 'string' ? kid : undefined, reason: result });
          continue;
        }
        key = result;
        if (cacheKey !== undefined) this.imported.set(cacheKey, key);
      }
      keys.push(key);
    }
    if (rejected.length > 0 && this.deps.events.has('keys:rejected')) this.deps.events.emit('keys:rejected', { jwksUri: url, rejected });
    return keys;
  }

  private swap(url: string, keys: VerificationKey[], etag: string | undefined, now: number, maxAgeMs: number): void {
    const byKid = new Map<string, VerificationKey[]>();
    for (const key of keys) {
      if (key.kid === undefined) continue;
      const list = byKid.get(key.kid);
      if (list) list.push(key);
      else byKid.set(key.kid, [key]);
    }
    const previous = this.keySet?.members ?? new Set<VerificationKey>();
    const members = new Set(keys);
    this.keySet = { byKid, all: keys, members, etag, fetchedAt: now, refreshAt: now + maxAgeMs * this.options.refreshAheadRatio, expiresAt: now + maxAgeMs };
    const added = keys.filter((key) => !previous.has(key));
    const removed = [...previous].filter((key) => !members.has(key));
    this.deps.stats.keysAdded += added.length;
    this.deps.stats.keysRemoved += removed.length;
    const { events } = this.deps;
    if (added.length > 0 && events.has('keys:added')) events.emit('keys:added', { jwksUri: url, kids: added.map((k) => k.kid) });
    if (removed.length > 0 && events.has('keys:removed')) events.emit('keys:removed', { jwksUri: url, kids: removed.map((k) => k.kid) });
  }
}

/** Identity of a whole JWKS entry: an unchanged entry is never imported twice. */
function importCacheKey(entry: unknown): string | undefined {
  try {
    return JSON.stringify(entry);
  } catch {
    return undefined;
  }
}

function aborted(): KeysUnavailableError {
  return new KeysUnavailableError('ERR_KEY_WAIT_ABORTED', 'Stopped waiting for signing keys: the caller aborted (verify signal).');
}
