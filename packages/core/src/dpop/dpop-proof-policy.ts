import { LRUCache } from 'lru-cache';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from '../algorithms.js';
import { HeaderMemo, type ProtectedHeader } from '../compact-jws.js';
import { line, opt, Problems } from '../problems.js';
import type { ProofKey } from './proof-key.js';

/** How DPoP proofs are judged. Every field is optional; `DPOP_PROOF_DEFAULTS` holds the defaults. */
export interface DpopProofOptions {
  /**
   * Signature algorithms a proof may use; asymmetric only (`none` and `HS*` are refused at start-up).
   * Also what the `algs` parameter of the `DPoP` challenge advertises. Default: every asymmetric
   * algorithm tollgate verifies. Narrow it to what your clients use.
   */
  readonly algorithms?: readonly AsymmetricAlgorithm[] | undefined;
  /**
   * How old a proof may be, in seconds, judged by its `iat` (RFC 9449 section 11.1). Also bounds how
   * long its `jti` is remembered. Default 300. Lower it when clients make a proof per request anyway.
   */
  readonly maxAgeSec?: number | undefined;
  /**
   * How far a proof's `iat` may be ahead of this server's clock, in seconds, and the tolerance for a
   * proof's own `exp`/`nbf`. Also added to the replay TTL, for replicas whose clocks run behind.
   * Default 5. Raise it for clients with poor clocks, or use server nonces instead.
   */
  readonly clockSkewSec?: number | undefined;
  /** Longest `DPoP` header value accepted, in bytes, checked before any parsing. Default 8192. */
  readonly maxProofBytes?: number | undefined;
  /** Longest `jti` accepted, in characters. Default 256. */
  readonly maxJtiChars?: number | undefined;
  /**
   * How many imported proof keys to keep (LRU), so a client's repeated proofs skip the key import.
   * 0 disables the cache. Default 1000. Raise it when more distinct clients than that are active at once.
   */
  readonly keyCacheMaxEntries?: number | undefined;
}

// Typed as a list rather than the tuple, so the defaults' type does not promise a fixed order.
const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ASYMMETRIC_ALGORITHMS;

/** The defaults of `DpopProofOptions`. */
export const DPOP_PROOF_DEFAULTS = Object.freeze({
  algorithms: DEFAULT_ALGORITHMS,
  maxAgeSec: 300,
  clockSkewSec: 5,
  maxProofBytes: 8192,
  maxJtiChars: 256,
  keyCacheMaxEntries: 1000,
});

/** Resolved, frozen proof policy, built once at start-up by `createDpopProofPolicy`. Holds the proof-key cache. */
export interface DpopProofPolicy {
  /** Allowed algorithms, in configured order (for the challenge's `algs`). */
  readonly algorithms: readonly AsymmetricAlgorithm[];
  readonly allowed: ReadonlySet<string>;
  readonly maxAgeMs: number;
  readonly clockSkewMs: number;
  readonly maxProofBytes: number;
  readonly maxJtiChars: number;
  /** Imported proof keys by canonical JWK (the RFC 7638 input); null when disabled. */
  readonly keys: LRUCache<string, ProofKey> | null;
  /** Proof headers already decoded and checked, so a client's repeated proofs skip both; null when `keys` is. */
  readonly headers: ProofHeaderMemo | null;
}

/**
 * A client sends the same header segment (`typ`, `alg`, `jwk`) with every proof. Its decoded form is
 * kept by the segment's exact text (the compact-JWS decoder's bounded header memo), and the checked
 * key by that decoded object: every header check is a function of those bytes alone, so a header
 * that passed once passes again and is not checked twice. Payload checks and the signature still
 * run on every proof.
 */
export interface ProofHeaderMemo {
  readonly decoded: HeaderMemo;
  readonly checked: WeakMap<ProtectedHeader, ProofKey>;
}

const ASYMMETRIC = new Set<string>(ASYMMETRIC_ALGORITHMS);
// Array.isArray would narrow a readonly list to any[]; this keeps the element type.
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/**
 * Resolves `DpopProofOptions` once, at start-up. Throws `ConfigError` listing
 * every invalid option (named `${prefix}.<option>`), or adds them to `shared` for the caller to throw.
 *
 * @example
 * const policy = createDpopProofPolicy({ algorithms: ['ES256', 'EdDSA'] });
 */
export function createDpopProofPolicy(
  options: DpopProofOptions = {},
  prefix = 'dpop',
  shared?: Problems,
): DpopProofPolicy {
  const problems = shared ?? new Problems();
  const fail = (option: string, message: string) => problems.add(line`${opt(`${prefix}.${option}`)} ${message}`);
  const number = (option: keyof typeof DPOP_PROOF_DEFAULTS, min: number, integer: boolean): number => {
    const value = options[option] ?? DPOP_PROOF_DEFAULTS[option];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      fail(option, `must be ${integer ? 'an integer' : 'a number'} of at least ${min}.`);
      return min;
    }
    return value;
  };

  const algorithms = options.algorithms ?? DPOP_PROOF_DEFAULTS.algorithms;
  if (!isList(algorithms) || algorithms.length === 0) {
    fail('algorithms', 'must list at least one asymmetric algorithm, such as "ES256".');
  } else {
    const bad = algorithms.filter((alg) => !ASYMMETRIC.has(alg));
    if (bad.length > 0)
      fail(
        'algorithms',
        `may hold only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); "none" and HMAC are never accepted for proofs.`,
      );
  }
  const maxAgeSec = number('maxAgeSec', 1, false);
  const clockSkewSec = number('clockSkewSec', 0, false);
  const maxProofBytes = number('maxProofBytes', 512, true);
  const maxJtiChars = number('maxJtiChars', 1, true);
  const keyCacheMaxEntries = number('keyCacheMaxEntries', 0, true);
  if (shared === undefined) problems.throwIfAny('Invalid DPoP proof options');

  const list = Object.freeze([...new Set(algorithms)]);
  return Object.freeze({
    algorithms: list,
    allowed: new Set<string>(list),
    maxAgeMs: maxAgeSec * 1000,
    clockSkewMs: clockSkewSec * 1000,
    maxProofBytes,
    maxJtiChars,
    keys: keyCacheMaxEntries === 0 ? null : new LRUCache<string, ProofKey>({ max: keyCacheMaxEntries }),
    headers: keyCacheMaxEntries === 0 ? null : { decoded: new HeaderMemo(), checked: new WeakMap() },
  });
}
