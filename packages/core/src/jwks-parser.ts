import { LRUCache } from 'lru-cache';
import { KeysUnavailableError } from './errors.js';
import { KeySet, type RejectedEntry } from './key-set.js';
import { importJwk, type KeyRejection, type VerificationKey } from './verification-key.js';

/** A parsed JWKS: the key set to swap in, and the entries left out. */
export interface ParsedJwks {
  readonly set: KeySet;
  readonly rejected: readonly RejectedEntry[];
}

/**
 * Turns a JWKS document into a `KeySet`: checks its shape and size, imports each entry once (an
 * entry seen before, byte for byte, reuses its imported key, so a refresh imports only what
 * changed and a key keeps its identity across refreshes), and reports every entry left out.
 * One bad entry never fails the set.
 */
export class JwksParser {
  private readonly imported: LRUCache<string, VerificationKey>;

  constructor(
    private readonly maxKeys: number,
    /** Imports one entry; injected so tests can count imports. */
    private readonly importKey: (jwk: unknown) => VerificationKey | KeyRejection = importJwk,
  ) {
    // Room for the current set and the next one during a rotation.
    this.imported = new LRUCache({ max: maxKeys * 2 });
  }

  /** Throws `ERR_JWKS_INVALID` when `body` is not a JWK Set or lists more than `maxKeys` entries. */
  parse(url: string, body: unknown): ParsedJwks {
    const entries = (body as { keys?: unknown } | null)?.keys;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(entries)) {
      throw new KeysUnavailableError(
        'ERR_JWKS_INVALID',
        `${url} is not a JWK Set: expected a JSON object with a "keys" array.`,
      );
    }
    if (entries.length > this.maxKeys) {
      throw new KeysUnavailableError(
        'ERR_JWKS_INVALID',
        `${url} lists ${entries.length} keys, over jwks.maxKeys (${this.maxKeys}).`,
      );
    }
    const keys: VerificationKey[] = [];
    const rejected: RejectedEntry[] = [];
    for (const entry of entries as unknown[]) {
      const key = this.importOnce(entry);
      if (typeof key === 'string') {
        const kid = (entry as { kid?: unknown } | null)?.kid;
        rejected.push({ kid: typeof kid === 'string' ? kid : undefined, reason: key });
      } else keys.push(key);
    }
    const built = KeySet.build(keys);
    return { set: built.set, rejected: [...rejected, ...built.rejected] };
  }

  private importOnce(entry: unknown): VerificationKey | KeyRejection {
    const cacheKey = identity(entry);
    const cached = cacheKey === undefined ? undefined : this.imported.get(cacheKey);
    if (cached !== undefined) return cached;
    const result = this.importKey(entry);
    if (typeof result !== 'string' && cacheKey !== undefined) this.imported.set(cacheKey, result);
    return result;
  }
}

/** Identity of a whole JWKS entry: an unchanged entry is never imported twice. */
function identity(entry: unknown): string | undefined {
  try {
    return JSON.stringify(entry);
  } catch {
    return undefined;
  }
}
