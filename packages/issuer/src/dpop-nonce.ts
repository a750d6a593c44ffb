import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a server nonce is the current one; the previous one is still accepted, so a nonce lives one to two steps. */
export const DPOP_NONCE_STEP_MS = 5 * 60_000;

/**
 * Stateless rotating DPoP server nonces (RFC 9449 §8): an HMAC over the tenant and the current
 * time step, under a key made at start-up. Nothing is stored per client; a nonce from the current
 * or the previous step is accepted.
 */
export class DpopNonces {
  readonly #key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(tenant: string, nowMs: number): string {
    return this.#nonce(tenant, Math.floor(nowMs / DPOP_NONCE_STEP_MS));
  }

  /** True for the current or the previous step's nonce. */
  accepts(tenant: string, nonce: unknown, nowMs: number): boolean {
    if (typeof nonce !== 'string' || nonce.length !== 43) return false;
    const step = Math.floor(nowMs / DPOP_NONCE_STEP_MS);
    const given = Buffer.from(nonce);
    return [step, step - 1].some((s) => timingSafeEqual(given, Buffer.from(this.#nonce(tenant, s))));
  }

  #nonce(tenant: string, step: number): string {
    return createHmac('sha256', this.#key).update(`${tenant}\n${step}`).digest('base64url');
  }
}
