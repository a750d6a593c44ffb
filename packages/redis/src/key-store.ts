import { randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import { bounded, commands, text, type Commands, type RedisConnection } from './client.js';
import type { RedisOperation } from './errors.js';
import { ENCRYPTION_KEY_BYTES, isEnvelope, KeyEncryption } from './key-encryption.js';
import { RELEASE_LOCK_SCRIPT, READ_KEYS_SCRIPT, WRITE_KEYS_SCRIPT } from './key-store-scripts.js';
import {
  clientProblems,
  DEFAULT_KEY_PREFIX,
  durationProblems,
  keyLayout,
  prefixProblems,
  throwProblems,
  type KeyLayout,
  type Problem,
} from './keys.js';

// The shapes below are @tollgate/issuer's `StoredKey`, `KeyStoreSnapshot` and `KeyStoreLock`,
// declared here rather than imported so this package never loads (or makes its users install)
// the issuer: `RedisKeyStore` fits the issuer's `KeyStore` structurally, which the cross-package
// tests check at compile time.

/** One issuer key pair as `@tollgate/issuer` stores it. Contains private key material. */
export interface IssuerStoredKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA';
  /** ISO 8601 time the key was generated. */
  createdAt: string;
  /** ISO 8601 time the key stopped signing; absent while it signs. */
  retiredAt?: string;
  /** Private JWK. */
  privateJwk: JsonWebKey;
}

/** A tenant's keys with the opaque revision that changes on every write. */
export interface IssuerKeySnapshot {
  revision: string;
  keys: IssuerStoredKey[];
}

/** A held key lock: the holder's random fence, and a release that only frees the lock while it still holds that fence. */
export interface IssuerKeyLock {
  readonly fence: string;
  release(): Promise<void>;
}

export interface RedisKeyStoreOptions {
  /** Your node-redis connection (single node, Sentinel or Cluster). Required. */
  readonly client: RedisConnection;
  /** Prefix of every key (see the key layout in the README). No `{` or `}`. Default `'tollgate:'`. */
  readonly keyPrefix?: string | undefined;
  /**
   * Most ms one read, write or lock may take before it fails with `RedisUnavailableError`. The
   * issuer reads its keys before every signature and JWKS answer, so this bounds how long a
   * token request can hang on a stalled Redis. Default `2000`.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Encrypt the private keys at rest with AES-256-GCM: 32-byte keys (e.g.
   * `Buffer.from(process.env.ISSUER_KEYS_SECRET, 'base64')`), the same list on every replica. The
   * first encrypts; all decrypt, so to change it put the new one first and keep the old one until
   * every tenant has been written again (its next rotation). With this set, an unencrypted record
   * is refused (it could have been planted by anyone who can write to Redis). Default: none (the
   * keys are stored as JSON; Redis ACLs and TLS are then what protect them).
   */
  readonly encryptionKeys?: readonly Uint8Array[] | undefined;
}

export const KEY_STORE_DEFAULTS = Object.freeze({ keyPrefix: DEFAULT_KEY_PREFIX, timeoutMs: 2000 });

/**
 * Thrown by `write()` when the stored revision is not the one the caller read: another replica
 * changed the keys. Its `code` is the issuer's `ERR_ISSUER_KEY_STORE_CONFLICT`, so the issuer's
 * `isKeyStoreConflict()` recognises it, re-reads and adopts the other replica's keys.
 */
export class RedisKeyStoreConflictError extends Error {
  override readonly name = 'RedisKeyStoreConflictError';
  readonly code = 'ERR_ISSUER_KEY_STORE_CONFLICT' as const;
  readonly tenant: string;

  constructor(tenant: string) {
    super(`The keys of tenant "${tenant}" changed in Redis since they were read; read them again and retry.`);
    this.tenant = tenant;
  }
}

const ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'ES256', 'EdDSA']);

/**
 * `@tollgate/issuer`'s key store on Redis, so issuer replicas sign with the same keys, serve the
 * same JWKS and rotate once: pass it as `createIssuer({ keyStore })`. Per tenant, one hash holds
 * the keys and a random revision (`<prefix>{issuer:<tenant>}:keys`); writes are compare-and-set
 * on that revision (a Lua script), and the rotation lock is `SET <prefix>{issuer:<tenant>}:lock
 * <random fence> NX PX <ttl>`, released by a script only while it holds that fence. Both keys of
 * a tenant share a hash tag, so this works on a Cluster.
 *
 * The stored keys are private keys. Without `encryptionKeys` anyone who can read the Redis keys
 * can sign tokens: restrict them with an ACL and use TLS (see the README).
 *
 * @example
 * const client = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * const issuer = await createIssuer({ keyStore: new RedisKeyStore({ client }) });
 */
export class RedisKeyStore {
  private readonly client: Commands;
  private readonly keys: KeyLayout;
  private readonly timeoutMs: number;
  private readonly encryption: KeyEncryption | undefined;

  constructor(options: RedisKeyStoreOptions) {
    throwProblems('RedisKeyStore options', [
      ...clientProblems(options?.client),
      ...prefixProblems(options?.keyPrefix),
      ...durationProblems(options?.timeoutMs, 'timeoutMs', { max: 60_000 }),
      ...encryptionKeyProblems(options?.encryptionKeys),
    ]);
    this.client = commands(options.client);
    this.keys = keyLayout(options.keyPrefix ?? KEY_STORE_DEFAULTS.keyPrefix);
    this.timeoutMs = options.timeoutMs ?? KEY_STORE_DEFAULTS.timeoutMs;
    const encryptionKeys = options.encryptionKeys ?? [];
    this.encryption = encryptionKeys.length > 0 ? new KeyEncryption(encryptionKeys) : undefined;
  }

  /** The tenant's keys and revision, or `undefined` when none are stored. Rejects with `RedisUnavailableError`, or an `Error` naming a malformed record. */
  async read(tenant: string): Promise<IssuerKeySnapshot | undefined> {
    const key = this.keys.issuerKeys(checkTenant(tenant));
    const reply = await this.run('key store read', READ_KEYS_SCRIPT, [key], []);
    const [revision, payload] = Array.isArray(reply) ? [text(reply[0]), text(reply[1])] : [undefined, undefined];
    if (revision === undefined || payload === undefined) return undefined;
    return { revision, keys: parseKeys(this.unseal(parseJson(payload, key), key), key) };
  }

  /**
   * Replaces the tenant's keys; resolves with the new revision. With `expectedRevision` (the
   * revision read, or `null` for "nothing stored") it writes only if that still holds, atomically,
   * and otherwise rejects with {@link RedisKeyStoreConflictError} and changes nothing.
   */
  async write(tenant: string, keys: readonly IssuerStoredKey[], expectedRevision?: string | null): Promise<string> {
    const key = this.keys.issuerKeys(checkTenant(tenant));
    const revision = randomUUID();
    const json = JSON.stringify(keys);
    const payload = this.encryption ? this.encryption.seal(json, key) : json;
    const mode = expectedRevision === undefined ? 'any' : expectedRevision === null ? 'absent' : 'match';
    const reply = await this.run(
      'key store write',
      WRITE_KEYS_SCRIPT,
      [key],
      [mode, expectedRevision ?? '', revision, payload],
    );
    if (Number(text(reply)) !== 1) throw new RedisKeyStoreConflictError(tenant);
    return revision;
  }

  /**
   * Takes the tenant's key lock for `ttlMs` (Redis expires it, so a holder that dies blocks the
   * others for at most that long), or resolves `undefined` when another holder has it. Never
   * waits. `release()` never rejects: when Redis cannot be reached the lock expires by itself.
   */
  async lock(tenant: string, ttlMs: number): Promise<IssuerKeyLock | undefined> {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError('A key store lock needs a positive ttlMs.');
    const key = this.keys.issuerLock(checkTenant(tenant));
    const fence = randomBytes(16).toString('base64url');
    const px = Math.ceil(ttlMs);
    const reply = await bounded(this.client, 'key store lock', this.timeoutMs, () =>
      this.client.set(key, fence, { condition: 'NX', expiration: { type: 'PX', value: px } }),
    );
    if (reply === null || reply === undefined) return undefined;
    let released: Promise<void> | undefined;
    return {
      fence,
      release: () =>
        (released ??= this.run('key store lock', RELEASE_LOCK_SCRIPT, [key], [fence]).then(
          () => undefined,
          () => undefined,
        )),
    };
  }

  private unseal(value: unknown, key: string): unknown {
    if (this.encryption === undefined) {
      if (isEnvelope(value))
        throw new Error(
          `The issuer keys at ${key} are encrypted, but this RedisKeyStore has no encryptionKeys; give it the fleet's encryption keys.`,
        );
      return value;
    }
    if (!isEnvelope(value))
      throw new Error(
        `The issuer keys at ${key} are not encrypted, but this RedisKeyStore requires encryption; delete the record to start with new keys, or remove encryptionKeys.`,
      );
    return parseJson(this.encryption.open(value, key), key);
  }

  private run(operation: RedisOperation, script: string, keys: string[], args: string[]): Promise<unknown> {
    return bounded(this.client, operation, this.timeoutMs, () => this.client.eval(script, { keys, arguments: args }));
  }
}

function encryptionKeyProblems(keys: unknown): Problem[] {
  if (keys === undefined) return [];
  const ok =
    Array.isArray(keys) && keys.every((key) => key instanceof Uint8Array && key.byteLength === ENCRYPTION_KEY_BYTES);
  return ok
    ? []
    : [
        [
          'encryptionKeys',
          `encryptionKeys must be a list of ${ENCRYPTION_KEY_BYTES}-byte keys (Buffer or Uint8Array), e.g. Buffer.from(secret, 'base64') of 32 random bytes.`,
        ],
      ];
}

// Issuer tenant names are lower-case letters, digits, '.', '_' and '-'; a brace would change the
// Cluster hash tag, so it is refused rather than escaped.
function checkTenant(tenant: string): string {
  if (typeof tenant !== 'string' || tenant === '' || tenant.length > 200 || /[{}]/.test(tenant)) {
    throw new TypeError('A tenant name must be a non-empty string of at most 200 characters without "{" or "}".');
  }
  return tenant;
}

function parseJson(json: string, at: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error(
      `The issuer keys at ${at} are not valid JSON; fix or delete the record (deleting it invalidates the tokens its keys signed).`,
    );
  }
}

/** The stored keys, checked field by field: a record another program wrote must not reach the issuer half-formed. */
function parseKeys(data: unknown, at: string): IssuerStoredKey[] {
  const fail = (what: string): never => {
    throw new Error(`The issuer keys at ${at} are malformed: ${what}.`);
  };
  if (!Array.isArray(data)) return fail('expected a JSON array');
  return data.map((value: unknown, i: number): IssuerStoredKey => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return fail(`keys[${i}] must be an object`);
    const { kid, alg, createdAt, retiredAt, privateJwk } = value as Record<string, unknown>;
    if (typeof kid !== 'string' || kid === '') fail(`keys[${i}].kid must be a non-empty string`);
    if (typeof alg !== 'string' || !ALGORITHMS.has(alg)) fail(`keys[${i}].alg must be RS256, ES256 or EdDSA`);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
      fail(`keys[${i}].createdAt must be an ISO date`);
    if (retiredAt !== undefined && (typeof retiredAt !== 'string' || Number.isNaN(Date.parse(retiredAt))))
      fail(`keys[${i}].retiredAt must be an ISO date`);
    if (typeof privateJwk !== 'object' || privateJwk === null || Array.isArray(privateJwk))
      fail(`keys[${i}].privateJwk must be an object`);
    const key: IssuerStoredKey = {
      kid: kid as string,
      alg: alg as IssuerStoredKey['alg'],
      createdAt: createdAt as string,
      privateJwk: privateJwk as JsonWebKey,
    };
    if (typeof retiredAt === 'string') key.retiredAt = retiredAt;
    return key;
  });
}
