import { ConfigError, DpopError, StoreUnavailableError } from '../errors.js';

/** Remembers one-time ids (DPoP proof jti) for their lifetime, across every process sharing the store. */
export interface ReplayStore {
  /**
   * Records `id` for `ttlMs` unless it is already recorded. `true`: first use; `false`: a replay.
   * Atomic: of two concurrent calls with one id exactly one gets `true`. May be async. Throws or
   * rejects when it cannot answer; callers then fail closed.
   */
  useOnce(id: string, ttlMs: number): boolean | Promise<boolean>;
}

/** Options of `MemoryReplayStore`. */
export interface MemoryReplayStoreOptions {
  /**
   * Most ids remembered at once. An id stays for its proof's acceptance window (by default
   * `maxAgeSec` 300 + `clockSkewSec` 5 s), so size it as peak proofs per second × 305: the default
   * 100000 covers about 330 proofs/s sustained, in about 18 MiB of heap with UUID `jti`s (39 MiB if
   * every `jti` has the maximum 256 characters; measured on Node 20). When the store is full of unexpired
   * ids it refuses new ones (`ERR_REPLAY_STORE_UNAVAILABLE`, 503) rather than forget one early, which
   * would let that proof be replayed. Default 100000.
   */
  readonly maxEntries?: number | undefined;
  /** Clock in milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

/** The defaults of `MemoryReplayStoreOptions`. */
export const MEMORY_REPLAY_STORE_DEFAULTS = Object.freeze({ maxEntries: 100_000 });

/** A full store purges expired ids at most this often, so a store kept full costs one scan per interval, not one per request. */
const PURGE_INTERVAL_MS = 1000;

/**
 * The in-memory `ReplayStore`: one process only (replicas behind a load
 * balancer need a shared store, or a proof refused by one is accepted by
 * another). Bounded by `maxEntries`; ids expire on the injected clock.
 * `useOnce` is synchronous, so it is atomic within the process.
 * Throws `ConfigError` at construction for a bad `maxEntries`.
 *
 * @example
 * const store = new MemoryReplayStore({ maxEntries: 200_000 });
 * store.useOnce(`${jkt}:${jti}`, 305_000); // true, then false until it expires
 */
export class MemoryReplayStore implements ReplayStore {
  /**
   * Id → the last millisecond it is remembered. A plain Map, not lru-cache: lru-cache allocates its
   * arrays for `maxEntries` up front (tens of MiB for a store sized for a busy server), and every
   * major garbage collection then walks them, which cost more than the store itself under load.
   * Nothing is ever evicted early, so the LRU order was never used.
   */
  private readonly ids = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly clock: () => number;
  private nextPurgeMs = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryReplayStoreOptions = {}, optionName = 'dpop.replayStore.maxEntries') {
    const maxEntries = options.maxEntries ?? MEMORY_REPLAY_STORE_DEFAULTS.maxEntries;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigError(`${optionName} must be a whole number of at least 1 (ids remembered at once).`, [
        optionName,
      ]);
    }
    this.maxEntries = maxEntries;
    this.clock = options.clock ?? Date.now;
  }

  /** Ids currently held, expired ones not yet purged included. */
  get size(): number {
    return this.ids.size;
  }

  useOnce(id: string, ttlMs: number): boolean {
    if (typeof id !== 'string' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
      throw new TypeError('MemoryReplayStore.useOnce needs a string id and a positive, finite ttlMs.');
    }
    const now = this.clock();
    const until = this.ids.get(id);
    if (until !== undefined) {
      // Remembered through its last millisecond: at exactly `until` it is still a replay.
      if (now <= until) return false;
      this.ids.delete(id);
    }
    if (this.ids.size >= this.maxEntries) this.makeRoom(now);
    this.ids.set(id, now + Math.ceil(ttlMs));
    return true;
  }

  /** Drops expired ids; refuses (never evicts a live id) when none can go. */
  private makeRoom(now: number): void {
    if (now >= this.nextPurgeMs) {
      for (const [id, until] of this.ids) if (now > until) this.ids.delete(id);
      this.nextPurgeMs = now + PURGE_INTERVAL_MS;
    }
    if (this.ids.size >= this.maxEntries) {
      throw new StoreUnavailableError(
        'ERR_REPLAY_STORE_UNAVAILABLE',
        `The in-memory DPoP replay store holds ${this.maxEntries} unexpired proof ids and cannot take more without forgetting one early; raise its maxEntries or use a shared store.`,
      );
    }
  }
}

/**
 * Records a verified proof's id in the replay store (RFC 9449 section 11.1).
 * Throws `ERR_DPOP_PROOF_REPLAYED` when the id was seen, and fails closed with
 * `ERR_REPLAY_STORE_UNAVAILABLE` (503) when the store throws, rejects or
 * answers anything but a boolean. Synchronous for a synchronous store: a
 * promise is returned only when the store returns one.
 *
 * @example
 * await useProofOnce(store, verifyDpopProof(proof, expected));
 */
export function useProofOnce(
  store: ReplayStore,
  proof: { readonly replayId: string; readonly replayTtlMs: number },
): void | Promise<void> {
  let answer: boolean | Promise<boolean>;
  try {
    answer = store.useOnce(proof.replayId, proof.replayTtlMs);
  } catch (cause) {
    throw unavailable(cause);
  }
  if (typeof answer === 'boolean') return settle(answer);
  return Promise.resolve(answer).then(settle, (cause: unknown) => {
    throw unavailable(cause);
  });
}

function settle(answer: unknown): void {
  if (answer === true) return;
  if (answer === false)
    throw new DpopError(
      'ERR_DPOP_PROOF_REPLAYED',
      'This DPoP proof was already used; make a fresh proof (with a new jti) for every request.',
      { reason: 'replayed' },
    );
  throw unavailable(new TypeError('The replay store answered neither true nor false.'));
}

function unavailable(cause: unknown): StoreUnavailableError {
  if (cause instanceof StoreUnavailableError) return cause;
  return new StoreUnavailableError(
    'ERR_REPLAY_STORE_UNAVAILABLE',
    'The DPoP replay store could not answer, so the request was refused; retry shortly.',
    { cause },
  );
}
