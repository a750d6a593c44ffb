import { createHash, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AsymmetricAlgorithm } from './algorithms.js';
import { systemClock, type Clock } from './clock.js';

/** The persisted form of one key pair. Contains private key material. */
export interface StoredKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  /** ISO 8601 time the key was generated. */
  createdAt: string;
  /** ISO 8601 time the key stopped signing; absent while it signs. */
  retiredAt?: string;
  /** Private JWK as exported by `node:crypto`. */
  privateJwk: JsonWebKey;
}

/** What a store holds for a tenant, with an opaque revision that changes whenever the keys do. */
export interface KeyStoreSnapshot {
  revision: string;
  keys: StoredKey[];
}

/**
 * A held key-store lock. While it holds, no other issuer sharing the store changes the
 * tenant's keys (they wait, then re-read), so a rotation happens once, not once per replica.
 */
export interface KeyStoreLock {
  /**
   * Random value naming this holder (a fencing value). A store gives the lock up on `release()`
   * only while it still holds this value, so a holder whose lock expired cannot release the next one's.
   */
  readonly fence: string;
  /** Gives the lock up if this holder still has it; resolves (does nothing) when it already expired. */
  release(): Promise<void>;
}

/**
 * Where tenants' keys live between requests and across restarts. The issuer reads before each
 * key operation and merges what it finds, so several processes may share one store
 * (e.g. `tollgate-issuer serve` and `tollgate-issuer token` on one key directory, or issuer
 * replicas on one Redis).
 *
 * To let replicas rotate exactly once, a shared store implements two more things: `write()`
 * with `expectedRevision` as an atomic compare-and-set, and optionally `lock()`. The key ring
 * uses them like this: read; if keys must change (first key, rotation, grace expiry, a new
 * algorithm), take the lock (if the store has one; when another replica holds it, wait and
 * start over), read again, make the change, and write with the revision it read. A write that
 * fails with {@link KeyStoreConflictError} starts over from the store's keys, so a replica that
 * lost a race adopts the winner's keys and its own new key is never used.
 *
 * @example A shared store's shape (see `createMemoryKeyStore()` for a complete one)
 * ```ts
 * const store: KeyStore = {
 *   read: (tenant) => redisGetSnapshot(tenant),                    // { revision, keys } | undefined
 *   write: (tenant, keys, expected) => redisCompareAndSet(tenant, keys, expected), // throws KeyStoreConflictError
 *   lock: (tenant, ttlMs) => redisSetNxPx(`lock:${tenant}`, ttlMs), // KeyStoreLock | undefined
 * };
 * ```
 */
export interface KeyStore {
  /** Returns the tenant's keys, or `undefined` when nothing was stored yet. */
  read(tenant: string): Promise<KeyStoreSnapshot | undefined>;
  /**
   * Replaces the tenant's keys and returns the new revision (any string that changes on every
   * write).
   *
   * @param expectedRevision - the revision the caller read, or `null` when it read nothing. A
   *   store that supports compare-and-set writes only if the stored revision still equals it
   *   (`null`: only if nothing is stored), atomically, and otherwise rejects with
   *   `KeyStoreConflictError` and changes nothing. The issuer always passes it; a store that
   *   ignores it writes last-writer-wins, and the issuer's merge repairs lost keys on its next read.
   */
  write(tenant: string, keys: readonly StoredKey[], expectedRevision?: string | null): Promise<string>;
  /**
   * Optional: takes the tenant's key lock for `ttlMs` (it expires by itself, so a crashed
   * holder cannot block the others for longer), or resolves `undefined` when another holder
   * has it. Never waits. Without it, compare-and-set alone keeps replicas consistent, but two of
   * them may each generate a key before one loses the race.
   */
  lock?(tenant: string, ttlMs: number): Promise<KeyStoreLock | undefined>;
}

/**
 * `KeyStore.write()` found another revision than the caller read: someone else changed the keys.
 * The key ring re-reads and starts over. Recognise it with {@link isKeyStoreConflict}, which also
 * works across two copies of this package.
 */
export class KeyStoreConflictError extends Error {
  static readonly code = 'ERR_ISSUER_KEY_STORE_CONFLICT';
  readonly code = KeyStoreConflictError.code;
  override readonly name = 'KeyStoreConflictError';
  readonly tenant: string;

  constructor(
    tenant: string,
    message = `the keys of tenant "${tenant}" changed since they were read; read them again and retry`,
  ) {
    super(message);
    this.tenant = tenant;
  }
}

/** True for a `KeyStoreConflictError`, from this copy of the package or another (checked by `code`). */
export function isKeyStoreConflict(error: unknown): error is KeyStoreConflictError {
  return (
    error instanceof KeyStoreConflictError ||
    (error instanceof Error && (error as { code?: unknown }).code === KeyStoreConflictError.code)
  );
}

/** Options of `createMemoryKeyStore()`. */
export interface MemoryKeyStoreOptions {
  /** Clock the lock's time-to-live runs on. Default: the system clock; pass a test clock to expire locks by hand. */
  clock?: Clock;
}

/**
 * Keeps keys in memory, with compare-and-set writes and an expiring lock, like a shared store.
 * Pass the same store to a second `createIssuer()` to simulate a restart that keeps its keys, or
 * to several issuers to simulate replicas that share their keys and rotate once.
 *
 * @example
 * ```ts
 * const keyStore = createMemoryKeyStore();
 * const first = await createIssuer({ keyStore });
 * await first.close();
 * const second = await createIssuer({ keyStore, port: first.port }); // same keys, same URL
 * ```
 */
export function createMemoryKeyStore(options: MemoryKeyStoreOptions = {}): KeyStore {
  const clock = options.clock ?? systemClock;
  const tenants = new Map<string, KeyStoreSnapshot>();
  const locks = new Map<string, { fence: string; expiresAtMs: number }>();
  let counter = 0;
  return {
    // Snapshots are frozen copies, so reads (one per key operation) need not copy again.
    read: (tenant) => Promise.resolve(tenants.get(tenant)),
    write(tenant, keys, expectedRevision) {
      const current = tenants.get(tenant)?.revision ?? null;
      if (expectedRevision !== undefined && expectedRevision !== current)
        return Promise.reject(new KeyStoreConflictError(tenant));
      const revision = String(++counter);
      tenants.set(tenant, deepFreeze({ revision, keys: structuredClone([...keys]) }));
      return Promise.resolve(revision);
    },
    lock(tenant, ttlMs) {
      const now = clock.now();
      const held = locks.get(tenant);
      if (held && held.expiresAtMs > now) return Promise.resolve(undefined);
      const fence = randomBytes(16).toString('base64url');
      locks.set(tenant, { fence, expiresAtMs: now + ttlMs });
      return Promise.resolve({
        fence,
        release() {
          if (locks.get(tenant)?.fence === fence) locks.delete(tenant);
          return Promise.resolve();
        },
      });
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const FILE_VERSION = 1;

/**
 * Keeps keys in `<dir>/<tenant>.keys.json` (mode 0600, directory 0700), written atomically
 * (temporary file, fsync, rename), so tokens signed before a restart still verify after it.
 * Writes compare the file's revision first (compare-and-set within one machine); there is no lock.
 *
 * @param dir - directory for key files; created when missing.
 * @example
 * ```ts
 * const issuer = await createIssuer({ keyStore: createFileKeyStore('.tollgate/keys') });
 * ```
 */
export function createFileKeyStore(dir: string): KeyStore {
  const root = resolve(dir);
  const fileOf = (tenant: string) => join(root, `${tenant}.keys.json`);
  return {
    async read(tenant) {
      const file = fileOf(tenant);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      return { revision: revisionOf(text), keys: parseKeyFile(text, file, tenant) };
    },
    async write(tenant, keys, expectedRevision) {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const text = `${JSON.stringify({ version: FILE_VERSION, tenant, keys }, null, 2)}\n`;
      if (expectedRevision !== undefined && (await currentRevision(fileOf(tenant))) !== expectedRevision) {
        throw new KeyStoreConflictError(tenant);
      }
      await writeAtomically(fileOf(tenant), text);
      return revisionOf(text);
    },
  };
}

// The compare and the rename are two steps, so two processes writing in the same instant can both
// pass the compare; the key ring's merge (union by kid) repairs that on the next read. Files have
// no lock: a directory shared by replicas on several machines is not what this store is for.
async function currentRevision(file: string): Promise<string | null> {
  try {
    return revisionOf(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

// A reader (another process, or this one after a crash) sees the old file or the new one, never
// half of one: the data is fsynced under a temporary name in the same directory, then renamed.
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function parseKeyFile(text: string, file: string, tenant: string): StoredKey[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`key file ${file} is not valid JSON; fix or remove it (removing it invalidates tokens it signed)`);
  }
  const fail = (what: string): never => {
    throw new Error(`key file ${file}: ${what}`);
  };
  if (!isRecord(data)) return fail('expected a JSON object');
  if (data.version !== FILE_VERSION)
    fail(`unsupported "version" ${JSON.stringify(data.version)}, expected ${FILE_VERSION}`);
  if (data.tenant !== tenant) fail(`"tenant" is ${JSON.stringify(data.tenant)}, expected "${tenant}"`);
  if (!Array.isArray(data.keys)) return fail('"keys" must be an array');
  return data.keys.map((key: unknown, i: number): StoredKey => {
    const at = `keys[${i}]`;
    if (!isRecord(key)) return fail(`${at} must be an object`);
    const { kid, alg, createdAt, retiredAt, privateJwk } = key;
    if (typeof kid !== 'string' || kid === '') fail(`${at}.kid must be a non-empty string`);
    if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA') fail(`${at}.alg must be RS256, ES256 or EdDSA`);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
      fail(`${at}.createdAt must be an ISO date`);
    if (retiredAt !== undefined && (typeof retiredAt !== 'string' || Number.isNaN(Date.parse(retiredAt)))) {
      fail(`${at}.retiredAt must be an ISO date`);
    }
    if (!isRecord(privateJwk)) fail(`${at}.privateJwk must be an object`);
    const stored: StoredKey = {
      kid: kid as string,
      alg: alg as AsymmetricAlgorithm,
      createdAt: createdAt as string,
      privateJwk: privateJwk as JsonWebKey,
    };
    if (typeof retiredAt === 'string') stored.retiredAt = retiredAt;
    return stored;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
