import { createHmac, randomBytes } from 'node:crypto';
import { line, opt, Problems } from '../problems.js';

/** What proof verification needs from a nonce policy. `DpopNonces` is the default implementation. */
export interface DpopNonceCheck {
  /** True when `nonce` is one this server (or fleet) handed out and still accepts at `nowMs`. */
  check(nonce: string, nowMs: number): boolean;
}

/** Options of `DpopNonces`. */
export interface DpopNonceOptions {
  /**
   * HMAC-SHA256 key the nonces are derived from, at least 32 bytes (a string counts its UTF-8 bytes).
   * Give every replica the same secret so that a nonce one of them issues is accepted by all.
   * Default: 32 random bytes per process, right for a single process only.
   */
  readonly secret?: Uint8Array | string | undefined;
  /**
   * Length of one nonce period in seconds. A nonce is accepted in the period it was issued in and the
   * next, so for `stepSec` to `2 * stepSec`. Default 60. Shorter means fresher proofs and more
   * `use_dpop_nonce` round trips for idle clients.
   */
  readonly stepSec?: number | undefined;
  /** Clock in milliseconds. Default `Date.now`. */
  readonly clock?: (() => number) | undefined;
}

/** The defaults of `DpopNonceOptions`. */
export const DPOP_NONCE_DEFAULTS = Object.freeze({ stepSec: 60 });

/** Smallest nonce secret accepted, in bytes (HMAC-SHA256 keys shorter than the hash are weaker). */
export const MIN_NONCE_SECRET_BYTES = 32;

const LABEL = Buffer.from('tollgate dpop nonce v1\0');

/**
 * Stateless rotating server nonces (RFC 9449 section 9): a nonce is a
 * truncated HMAC-SHA256 of the current time step, so no nonce is stored and a
 * fleet sharing `secret` accepts each other's nonces. Nonces of the current and
 * the previous step are accepted. The two accepted values are computed once
 * per step, so `issue` and `check` cost a string comparison on the hot path.
 * Throws `ConfigError` at construction for a short secret or a bad step.
 *
 * @example
 * const nonces = new DpopNonces({ secret: process.env.DPOP_NONCE_SECRET });
 * res.setHeader('DPoP-Nonce', nonces.issue());
 * if (!nonces.check(proof.nonce)) // answer 401 use_dpop_nonce with a fresh DPoP-Nonce
 */
export class DpopNonces implements DpopNonceCheck {
  private readonly key: Buffer;
  private readonly stepMs: number;
  private readonly clock: () => number;
  private memoStep = Number.NaN;
  private current = '';
  private previous = '';

  constructor(options: DpopNonceOptions = {}, prefix = 'dpop.nonce', shared?: Problems) {
    const problems = shared ?? new Problems();
    const raw: unknown = options.secret;
    const secret =
      raw === undefined
        ? randomBytes(MIN_NONCE_SECRET_BYTES)
        : typeof raw === 'string'
          ? Buffer.from(raw, 'utf8')
          : raw instanceof Uint8Array
            ? Buffer.from(raw)
            : Buffer.alloc(0);
    if (secret.length < MIN_NONCE_SECRET_BYTES) {
      problems.add(
        line`${opt(`${prefix}.secret`)} must be at least ${MIN_NONCE_SECRET_BYTES} bytes (generate one with \`openssl rand -base64 32\`).`,
      );
    }
    const stepSec = options.stepSec ?? DPOP_NONCE_DEFAULTS.stepSec;
    if (typeof stepSec !== 'number' || !Number.isInteger(stepSec) || stepSec < 1) {
      problems.add(line`${opt(`${prefix}.stepSec`)} must be a whole number of seconds, at least 1.`);
    }
    if (shared === undefined) problems.throwIfAny('Invalid DPoP nonce options');
    this.key = secret;
    this.stepMs = stepSec * 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** The nonce to send in `DPoP-Nonce` now. The same value for a whole step. */
  issue(nowMs: number = this.clock()): string {
    this.advance(nowMs);
    return this.current;
  }

  /** True for a nonce of the current or the previous step. */
  check(nonce: string, nowMs: number = this.clock()): boolean {
    this.advance(nowMs);
    // Nonces are public values (any client can ask for one), so a plain comparison leaks nothing.
    return typeof nonce === 'string' && (nonce === this.current || nonce === this.previous);
  }

  private advance(nowMs: number): void {
    const step = Math.floor(nowMs / this.stepMs);
    if (step === this.memoStep) return;
    if (!Number.isSafeInteger(step))
      throw new RangeError('DpopNonces: the clock returned a time that is not a finite number of milliseconds.');
    this.previous = step === this.memoStep + 1 ? this.current : this.mac(step - 1);
    this.current = this.mac(step);
    this.memoStep = step;
  }

  private mac(step: number): string {
    const counter = Buffer.alloc(8);
    counter.writeBigInt64BE(BigInt(step));
    return createHmac('sha256', this.key).update(LABEL).update(counter).digest().subarray(0, 16).toString('base64url');
  }
}
