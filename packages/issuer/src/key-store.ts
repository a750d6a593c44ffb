import { createHash, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AsymmetricAlgorithm } from './algorithms.js';

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
 * Where tenants' keys live between requests and across restarts. The issuer reads before each
 * key operation and merges what it finds, so several processes may share one store
 * (e.g. `tollgate-issuer serve` and `tollgate-issuer token` on one key directory).
 */
export interface KeyStore {
  /** Returns the tenant's keys, or `undefined` when nothing was stored yet. */
  read(tenant: string): Promise<KeyStoreSnapshot | undefined>;
  /** Replaces the tenant's keys and returns the new revision. */
  write(tenant: string, keys: readonly StoredKey[]): Promise<string>;
}

/**
 * Keeps keys in memory. Pass the same store to a second `createIssuer()` to simulate a restart
 * that keeps its keys.
 *
 * @example
 * ```ts
 * const keyStore = createMemoryKeyStore();
 * const first = await createIssuer({ keyStore });
 * await first.close();
 * const second = await createIssuer({ keyStore, port: first.port }); // same keys, same URL
 * ```
 */
export function createMemoryKeyStore(): KeyStore {
  const tenants = new Map<string, KeyStoreSnapshot>();
  let counter = 0;
  return {
    // Snapshots are frozen copies, so reads (one per key operation) need not copy again.
    read: (tenant) => Promise.resolve(tenants.get(tenant)),
    write(tenant, keys) {
      const revision = String(++counter);
      tenants.set(tenant, deepFreeze({ revision, keys: structuredClone([...keys]) }));
      return Promise.resolve(revision);
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
    async write(tenant, keys) {
      await mkdir(root, { recursive: true, mode: 0o700 });
      const text = `${JSON.stringify({ version: FILE_VERSION, tenant, keys }, null, 2)}\n`;
      await writeAtomically(fileOf(tenant), text);
      return revisionOf(text);
    },
  };
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
  if (data.version !== FILE_VERSION) fail(`unsupported "version" ${JSON.stringify(data.version)}, expected ${FILE_VERSION}`);
  if (data.tenant !== tenant) fail(`"tenant" is ${JSON.stringify(data.tenant)}, expected "${tenant}"`);
  if (!Array.isArray(data.keys)) return fail('"keys" must be an array');
  return data.keys.map((key: unknown, i: number): StoredKey => {
    const at = `keys[${i}]`;
    if (!isRecord(key)) return fail(`${at} must be an object`);
    const { kid, alg, createdAt, retiredAt, privateJwk } = key;
    if (typeof kid !== 'string' || kid === '') fail(`${at}.kid must be a non-empty string`);
    if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA') fail(`${at}.alg must be RS256, ES256 or EdDSA`);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) fail(`${at}.createdAt must be an ISO date`);
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
