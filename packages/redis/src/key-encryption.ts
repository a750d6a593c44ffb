import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Length of an encryption key: AES-256. */
export const ENCRYPTION_KEY_BYTES = 32;

/** What an encrypted record holds: the ciphertext of the keys' JSON and what is needed to open it. */
export interface Envelope {
  readonly v: 1;
  readonly alg: 'A256GCM';
  /** Names the encryption key (a hash prefix of it, not the key), so several can be configured. */
  readonly k: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/** Names a key without revealing it: the first 8 bytes of its SHA-256, base64url. */
export function encryptionKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url');
}

/**
 * AES-256-GCM with a shared key (`node:crypto`), for the issuer's private keys at rest in Redis.
 * The first key encrypts; every key decrypts, so the encryption key itself can be rotated. The
 * Redis key name is the associated data: a record copied under another tenant or prefix does not open.
 */
export class KeyEncryption {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  constructor(keys: readonly Uint8Array[]) {
    const copies = keys.map((key) => Buffer.from(key));
    this.keys = new Map(copies.map((key) => [encryptionKeyId(key), key]));
    const first = copies[0] as Buffer;
    this.current = { id: encryptionKeyId(first), key: first };
  }

  /** The envelope, as JSON text, of `plaintext` stored under `redisKey`. */
  seal(plaintext: string, redisKey: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(redisKey, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      v: 1,
      alg: 'A256GCM',
      k: this.current.id,
      iv: iv.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
      data: data.toString('base64url'),
    };
    return JSON.stringify(envelope);
  }

  /** The plaintext of an envelope read from `redisKey`; throws a sentence (never key material) when it cannot be opened. */
  open(envelope: Envelope, redisKey: string): string {
    if (
      envelope.v !== 1 ||
      envelope.alg !== 'A256GCM' ||
      typeof envelope.iv !== 'string' ||
      typeof envelope.tag !== 'string' ||
      typeof envelope.data !== 'string'
    ) {
      throw new Error(`The issuer keys at ${redisKey} are not an encrypted record this version understands.`);
    }
    const key = typeof envelope.k === 'string' ? this.keys.get(envelope.k) : undefined;
    if (key === undefined)
      throw new Error(
        `The issuer keys at ${redisKey} were encrypted with a key that is not among encryptionKeys (key id ${String(envelope.k)}); add that key.`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64url'), {
        authTagLength: 16,
      });
      decipher.setAAD(Buffer.from(redisKey, 'utf8'));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(
        `The issuer keys at ${redisKey} do not decrypt with their encryption key: the record was altered, or copied from another key name.`,
      );
    }
  }
}

/** True for a parsed record that is an encrypted envelope (any version: `open` names what it cannot read). */
export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'alg' in value && 'data' in value;
}
