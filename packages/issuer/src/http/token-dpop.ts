import {
  createDpopProofPolicy,
  DpopNonces,
  isTollgateError,
  MEMORY_REPLAY_STORE_DEFAULTS,
  MemoryReplayStore,
  normalizeHtu,
  useProofOnce,
  verifyDpopProof,
  type DpopProofPolicy,
  type VerifiedDpopProof,
} from '@tollgate/core';
import type { Clock } from '../clock.js';
import type { ResolvedClient } from '../tenants.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { errorReply, type Reply } from './reply.js';

/**
 * Most DPoP proof ids the token endpoint remembers at once, for the whole issuer. An id stays for
 * its proof's acceptance window (300 s + 5 s clock skew on the issuer's clock), so this covers
 * about 330 DPoP token requests per second, sustained. A full store refuses new proofs (503
 * `temporarily_unavailable`) rather than forget an id early, which would let that proof be replayed.
 */
export const DPOP_REPLAY_MAX_ENTRIES = MEMORY_REPLAY_STORE_DEFAULTS.maxEntries;

/** What a token request's DPoP header decides: the key to bind the token to (none without a proof), or the error to answer. */
export type DpopBinding =
  { readonly jkt: string | undefined; readonly headers: Record<string, string> } | { readonly reply: Reply };

/**
 * DPoP at the token endpoint (RFC 9449 §5, §8), checked by the core's verifier so that the issuer
 * accepts exactly the proofs a tollgate resource server with default settings accepts. One proof
 * policy and one replay store per issuer; server nonces per tenant (each tenant has its own
 * secret, so a nonce one tenant hands out is refused by another).
 */
export class TokenEndpointDpop {
  /** The core's proof policy with its defaults: what the token endpoint accepts, and what discovery advertises. */
  readonly policy: DpopProofPolicy = createDpopProofPolicy();
  readonly #clock: Clock;
  readonly #replay: MemoryReplayStore;
  readonly #nonces = new Map<string, DpopNonces>();

  constructor(clock: Clock, replayMaxEntries: number = DPOP_REPLAY_MAX_ENTRIES) {
    this.#clock = clock;
    this.#replay = new MemoryReplayStore({ maxEntries: replayMaxEntries, clock: () => clock.now() });
  }

  /**
   * The key a token will be bound to: the DPoP proof's, none without a proof, or the error to
   * answer: 400 `invalid_dpop_proof`, 400 `use_dpop_nonce` with a `DPoP-Nonce` header, or 503 when
   * the replay store is full. `values`: the request's `DPoP` header lines (`req.headersDistinct.dpop`).
   */
  bind(
    values: readonly string[] | undefined,
    tenant: TenantRuntime,
    client: ResolvedClient,
    nowMs: number,
  ): DpopBinding {
    const nonces = tenant.config.dpopNonce ? this.#noncesOf(tenant.name) : undefined;
    const headers: Record<string, string> = nonces ? { 'dpop-nonce': nonces.issue(nowMs) } : {};
    if (values === undefined) {
      if (client.requireDpop)
        return {
          reply: errorReply(
            400,
            'invalid_dpop_proof',
            'This client must send a DPoP proof with every token request.',
            headers,
          ),
        };
      return { jkt: undefined, headers: {} };
    }
    if (values.length !== 1)
      return {
        reply: errorReply(
          400,
          'invalid_dpop_proof',
          `The request carries ${values.length} DPoP headers; send exactly one.`,
          headers,
        ),
      };

    let proof: VerifiedDpopProof;
    try {
      // The published URL, never one rebuilt from the request's Host header.
      const htu = normalizeHtu(tenant.info().tokenEndpoint);
      proof = verifyDpopProof(values[0] ?? '', { method: 'POST', htu, nowMs, policy: this.policy, nonce: nonces });
    } catch (error) {
      if (!isTollgateError(error) || !error.code.startsWith('ERR_DPOP_')) throw error;
      return {
        reply: errorReply(
          400,
          error.code === 'ERR_DPOP_NONCE_REQUIRED' ? 'use_dpop_nonce' : 'invalid_dpop_proof',
          error.message,
          headers,
        ),
      };
    }
    // Last, after every other check, so refused requests never fill the store. The memory store answers synchronously.
    try {
      void useProofOnce(this.#replay, proof);
    } catch (error) {
      if (!isTollgateError(error)) throw error;
      if (error.code === 'ERR_REPLAY_STORE_UNAVAILABLE') {
        return {
          reply: errorReply(503, 'temporarily_unavailable', error.message, {
            ...headers,
            'retry-after': String(error.retryAfterSec),
          }),
        };
      }
      return { reply: errorReply(400, 'invalid_dpop_proof', error.message, headers) };
    }
    return { jkt: proof.jkt, headers };
  }

  #noncesOf(tenant: string): DpopNonces {
    let nonces = this.#nonces.get(tenant);
    if (nonces === undefined) {
      const clock = this.#clock;
      nonces = new DpopNonces({ clock: () => clock.now() });
      this.#nonces.set(tenant, nonces);
    }
    return nonces;
  }
}
