import type { Algorithm } from './algorithms.js';
import type { TollgateErrorCode } from './http-mapping.js';

/** Counters since the verifier was created. `stats()` returns a copy. */
export interface VerifierStats {
  readonly accepted: number;
  readonly refused: number;
  readonly refusedByCode: Readonly<Partial<Record<TollgateErrorCode, number>>>;
  readonly acceptedByAlg: Readonly<Partial<Record<Algorithm, number>>>;
  /** HS256 migration traffic: when `accepted` stops growing, HS256 can be switched off. */
  readonly hs256: { readonly accepted: number; readonly lastAcceptedAt: number | null };
  readonly tokenCache: { readonly hits: number; readonly size: number } | null;
  readonly jwks: {
    /** Requests that reached a JWKS endpoint (including 304s). */
    readonly fetches: number;
    readonly notModified: number;
    readonly errors: number;
    readonly discoveryFetches: number;
    /** Verifications served by a key set whose last refresh failed (stale-if-error). */
    readonly staleServed: number;
    readonly keysAdded: number;
    readonly keysRemoved: number;
  };
}

/** Mutable counters shared by the verifier and its key sources. */
export class StatsRecorder {
  accepted = 0;
  refused = 0;
  readonly refusedByCode: Partial<Record<TollgateErrorCode, number>> = {};
  readonly acceptedByAlg: Partial<Record<Algorithm, number>> = {};
  hs256Accepted = 0;
  hs256LastAcceptedAt: number | null = null;
  tokenCacheHits = 0;
  fetches = 0;
  notModified = 0;
  fetchErrors = 0;
  discoveryFetches = 0;
  staleServed = 0;
  keysAdded = 0;
  keysRemoved = 0;

  snapshot(tokenCacheSize: number | null): VerifierStats {
    return {
      accepted: this.accepted,
      refused: this.refused,
      refusedByCode: { ...this.refusedByCode },
      acceptedByAlg: { ...this.acceptedByAlg },
      hs256: { accepted: this.hs256Accepted, lastAcceptedAt: this.hs256LastAcceptedAt },
      tokenCache: tokenCacheSize === null ? null : { hits: this.tokenCacheHits, size: tokenCacheSize },
      jwks: {
        fetches: this.fetches,
        notModified: this.notModified,
        errors: this.fetchErrors,
        discoveryFetches: this.discoveryFetches,
        staleServed: this.staleServed,
        keysAdded: this.keysAdded,
        keysRemoved: this.keysRemoved,
      },
    };
  }
}
