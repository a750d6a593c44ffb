import { isAsymmetric, type AsymmetricAlgorithm, type SigningAlgorithm } from './algorithms.js';
import type { Clock } from './clock.js';
import type { KeyStore, StoredKey } from './key-store.js';
import { generateKeyEntry, importKeyEntry, type KeyEntry, type PublicJwk } from './keys.js';
import { applyRotationPolicy, compareNewestFirst, type RotationPolicy } from './rotation.js';

/** A read-only view of one key of a tenant. */
export interface KeyInfo {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  /** `active` keys may sign; `retired` keys are only published until their grace period ends. */
  readonly status: 'active' | 'retired';
  /** True for the key new tokens of the tenant's current algorithm are signed with. */
  readonly signing: boolean;
  readonly createdAtMs: number;
  readonly retiredAtMs?: number;
  /** Active keys: when automatic rotation retires the key. */
  readonly rotateAtMs?: number;
  /** Retired keys: when the key leaves the JWKS. */
  readonly removeAtMs?: number;
  readonly publicJwk: PublicJwk;
}

/**
 * The keys of one tenant. Every operation reads the store, merges, applies the rotation policy
 * and writes back if anything changed, so rotation and grace expiry happen lazily on the clock.
 */
export class KeyRing {
  readonly #tenant: string;
  readonly #store: KeyStore;
  readonly #clock: Clock;
  readonly #policy: RotationPolicy;
  #primary: SigningAlgorithm;
  #entries: KeyEntry[] = [];
  #revision: string | undefined;
  // Set until a write succeeds, so a failed write (full disk) is retried by the next operation.
  #unsaved = false;
  // Kids used in this process, so a key deleted today never lends its kid to a new key today.
  readonly #usedKids = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(tenant: string, primary: SigningAlgorithm, deps: { store: KeyStore; clock: Clock; policy: RotationPolicy }) {
    this.#tenant = tenant;
    this.#primary = primary;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#policy = deps.policy;
  }

  get primary(): SigningAlgorithm {
    return this.#primary;
  }

  /** Brings keys up to date (merge, rotate, expire, create the signing key if missing). */
  refresh(): Promise<void> {
    return this.#exclusive(() => this.#sync());
  }

  /** Published keys, newest first, as of the last refresh. */
  publicKeys(): PublicJwk[] {
    return this.#entries.map((entry) => entry.publicJwk);
  }

  /** The active key for `alg`, created on demand (and then published) if the tenant has none. */
  signingKey(alg: AsymmetricAlgorithm): Promise<KeyEntry> {
    return this.#exclusive(async () => {
      await this.#sync(alg);
      return this.#active(alg) ?? unreachable(`no ${alg} key after sync`);
    });
  }

  /** A published key by kid, active or retired. */
  findKey(kid: string): Promise<KeyEntry | undefined> {
    return this.#exclusive(async () => {
      await this.#sync();
      return this.#entries.find((entry) => entry.kid === kid);
    });
  }

  /** Retires every active key and creates a new signing key for the tenant's algorithm. */
  rotate(): Promise<KeyEntry> {
    return this.#exclusive(async () => {
      const primary = this.#primary;
      if (!isAsymmetric(primary)) {
        throw new Error(`tenant "${this.#tenant}" signs with HS256; rotate its shared secret in the configuration instead`);
      }
      await this.#sync();
      const now = this.#clock.now();
      for (const entry of this.#entries) if (entry.retiredAtMs === undefined) entry.retiredAtMs = now;
      await this.#sync(primary, true);
      return this.#active(primary) ?? unreachable('no signing key after rotation');
    });
  }

  /** Switches the algorithm new tokens use; active keys of other algorithms are retired. */
  setPrimary(alg: SigningAlgorithm): Promise<void> {
    return this.#exclusive(async () => {
      await this.#sync();
      const now = this.#clock.now();
      let changed = false;
      for (const entry of this.#entries) {
        if (entry.retiredAtMs === undefined && entry.alg !== alg) {
          entry.retiredAtMs = now;
          changed = true;
        }
      }
      this.#primary = alg;
      await this.#sync(undefined, changed);
    });
  }

  /** The key view, after a refresh. */
  info(): Promise<KeyInfo[]> {
    return this.#exclusive(async () => {
      await this.#sync();
      return this.#entries.map((entry) => this.#infoOf(entry));
    });
  }

  #infoOf(entry: KeyEntry): KeyInfo {
    const { kid, alg, createdAtMs, retiredAtMs, publicJwk } = entry;
    if (retiredAtMs === undefined) {
      return {
        kid, alg, status: 'active', signing: alg === this.#primary, createdAtMs, publicJwk,
        ...(this.#policy.autoRotate ? { rotateAtMs: createdAtMs + this.#policy.maxAgeMs } : {}),
      };
    }
    return { kid, alg, status: 'retired', signing: false, createdAtMs, retiredAtMs, removeAtMs: retiredAtMs + this.#policy.graceMs, publicJwk };
  }

  #active(alg: AsymmetricAlgorithm): KeyEntry | undefined {
    return this.#entries.find((entry) => entry.alg === alg && entry.retiredAtMs === undefined);
  }

  // One operation at a time per tenant: concurrent first requests must not generate two keys,
  // and read-merge-write cycles on the store must not interleave.
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(ensure?: AsymmetricAlgorithm, alreadyChanged = false): Promise<void> {
    let changed = (await this.#pull()) || alreadyChanged;
    const now = this.#clock.now();
    const applied = applyRotationPolicy(this.#entries, now, this.#policy);
    this.#entries = applied.entries;
    changed ||= applied.changed;
    const wanted = new Set<AsymmetricAlgorithm>();
    if (isAsymmetric(this.#primary)) wanted.add(this.#primary);
    if (ensure) wanted.add(ensure);
    for (const alg of wanted) {
      if (this.#active(alg)) continue;
      const taken = new Set([...this.#usedKids, ...this.#entries.map((entry) => entry.kid)]);
      const entry = await generateKeyEntry(alg, now, taken);
      this.#usedKids.add(entry.kid);
      this.#entries = [entry, ...this.#entries].sort(compareNewestFirst);
      changed = true;
    }
    if (changed || this.#unsaved) {
      this.#unsaved = true;
      this.#revision = await this.#store.write(this.#tenant, this.#entries.map(toStored));
      this.#unsaved = false;
    }
  }

  // Union by kid with what the store holds, so keys another process created are published here
  // and keys this process created survive another process's write. Returns true when the store
  // lacks something this process has, i.e. it must be written back.
  async #pull(): Promise<boolean> {
    const snapshot = await this.#store.read(this.#tenant);
    if (!snapshot) return this.#entries.length > 0;
    if (snapshot.revision === this.#revision) return false;
    let storeIsBehind = false;
    const mine = new Map(this.#entries.map((entry) => [entry.kid, entry]));
    const seen = new Set<string>();
    for (const stored of snapshot.keys) {
      seen.add(stored.kid);
      this.#usedKids.add(stored.kid);
      const storedRetiredAt = stored.retiredAt === undefined ? undefined : Date.parse(stored.retiredAt);
      const own = mine.get(stored.kid);
      if (!own || own.privateJwk.d !== stored.privateJwk.d) {
        // A kid the store has with other material can only come from two processes creating a
        // key in the same instant; the store's copy is the one both will agree on.
        mine.set(stored.kid, this.#import(stored, storedRetiredAt));
      } else if (storedRetiredAt !== undefined && (own.retiredAtMs === undefined || storedRetiredAt < own.retiredAtMs)) {
        own.retiredAtMs = storedRetiredAt;
      } else if (own.retiredAtMs !== storedRetiredAt) {
        storeIsBehind = true;
      }
    }
    if (this.#entries.some((entry) => !seen.has(entry.kid))) storeIsBehind = true;
    this.#entries = [...mine.values()].sort(compareNewestFirst);
    this.#revision = snapshot.revision;
    return storeIsBehind;
  }

  #import(stored: StoredKey, retiredAtMs: number | undefined): KeyEntry {
    try {
      return importKeyEntry(stored.privateJwk, { kid: stored.kid, alg: stored.alg, createdAtMs: Date.parse(stored.createdAt), retiredAtMs });
    } catch (err) {
      throw new Error(`tenant "${this.#tenant}": stored key "${stored.kid}" cannot be used: ${(err as Error).message}`);
    }
  }
}

function toStored(entry: KeyEntry): StoredKey {
  const stored: StoredKey = {
    kid: entry.kid,
    alg: entry.alg,
    createdAt: new Date(entry.createdAtMs).toISOString(),
    privateJwk: entry.privateJwk,
  };
  if (entry.retiredAtMs !== undefined) stored.retiredAt = new Date(entry.retiredAtMs).toISOString();
  return stored;
}

function unreachable(message: string): never {
  throw new Error(`internal error: ${message}`);
}
