import type { Algorithm } from './algorithms.js';
import type { TollgateErrorCode } from './http-mapping.js';
import type { KeyRejection, KeySourceKind } from './verification-key.js';

/** Payloads of every event a verifier emits. */
export interface VerifierEvents {
  /** A discovery or JWKS request finished. */
  fetch: {
    readonly kind: 'discovery' | 'jwks';
    readonly url: string;
    readonly durationMs: number;
    /** HTTP status, when a response arrived. */
    readonly status: number | undefined;
    readonly outcome: 'updated' | 'not-modified' | 'error';
    /** Why it failed, when it did. */
    readonly error?: string;
  };
  /** Keys appeared in a JWKS. */
  'keys:added': { readonly jwksUri: string; readonly kids: readonly (string | undefined)[] };
  /** Keys left a JWKS: they no longer verify. */
  'keys:removed': { readonly jwksUri: string; readonly kids: readonly (string | undefined)[] };
  /** JWKS entries that were left out, and why. */
  'keys:rejected': {
    readonly jwksUri: string;
    readonly rejected: readonly { kid: string | undefined; reason: KeyRejection }[];
  };
  /** A refresh failed and the last good key set keeps serving (stale-if-error). */
  'jwks:stale': { readonly jwksUri: string; readonly ageSec: number; readonly error: string };
  /** One verification finished. */
  verify: {
    readonly outcome: 'accepted' | 'refused';
    readonly code?: TollgateErrorCode;
    readonly alg?: Algorithm;
    readonly source?: KeySourceKind;
    readonly issuer?: string;
    readonly cached: boolean;
  };
}

export type VerifierEventName = keyof VerifierEvents;
export type VerifierListener<E extends VerifierEventName> = (event: VerifierEvents[E]) => void;

/**
 * A minimal typed emitter. `has()` lets callers skip building payloads when
 * nobody listens, which keeps the hot path free of event cost.
 */
export class EventHub {
  private readonly listeners = new Map<VerifierEventName, Set<(event: never) => void>>();

  on<E extends VerifierEventName>(name: E, listener: VerifierListener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<E extends VerifierEventName>(name: E, listener: VerifierListener<E>): void {
    const set = this.listeners.get(name);
    set?.delete(listener);
    if (set?.size === 0) this.listeners.delete(name);
  }

  has(name: VerifierEventName): boolean {
    return this.listeners.has(name);
  }

  emit<E extends VerifierEventName>(name: E, event: VerifierEvents[E]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as VerifierListener<E>)(event);
      } catch {
        // A failing listener must not turn a verification result into an error.
      }
    }
  }
}
