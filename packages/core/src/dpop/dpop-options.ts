import { ConfigError } from '../errors.js';
import { line, opt, type Problems } from '../problems.js';
import { shown } from '../resolve-options.js';
import { refuseUnknownOptions } from '../unknown-options.js';
import { DpopNonces, type DpopNonceOptions } from './dpop-nonce.js';
import { createDpopProofPolicy, type DpopProofOptions, type DpopProofPolicy } from './dpop-proof-policy.js';
import { resolveHtuOrigin, type HtuOrigin, type HtuOriginOption } from './htu.js';
import type { ReplayStore } from './replay-store.js';

/** Whether requests may, or must, prove possession of the token's key with a DPoP proof (RFC 9449). */
export type DpopMode = 'off' | 'allowed' | 'required';

/** Sender-constrained tokens with DPoP (RFC 9449). */
export interface DpopOptions {
  /**
   * `off`: only Bearer (a DPoP-bound token sent as Bearer is still refused). `allowed`: Bearer and
   * DPoP. `required`: DPoP only, every Bearer request is refused. Default `'off'`.
   */
  mode?: DpopMode | undefined;
  /**
   * Where the request URI a proof must name (`htu`) comes from. The public origin clients call,
   * e.g. `'https://api.example.com'` — right behind any proxy. `{ fromRequest: 'host' }` trusts the
   * `Host` header (this process faces clients directly); `{ fromRequest: 'forwarded' }` trusts
   * `X-Forwarded-Proto`/`X-Forwarded-Host` (only behind a proxy that overwrites them). Required
   * unless `mode` is `off`; no default, because a wrong guess lets proofs for another host through
   * or refuses every proof.
   */
  origin?: HtuOriginOption | undefined;
  /** How proofs are judged: algorithms, maximum age, clock skew, sizes. Defaults as documented on each field. */
  proof?: DpopProofOptions | undefined;
  /**
   * Server nonces (RFC 9449 section 9): `true` for a per-process secret, or options (give every
   * replica the same `secret`). Proofs must then carry a recent nonce; a client without one gets
   * 401 `use_dpop_nonce` with a `DPoP-Nonce` header, and every DPoP response carries the current
   * nonce. Default `false`.
   */
  nonce?: boolean | DpopNonceOptions | undefined;
  /**
   * Where used proof ids are remembered so a captured request cannot be replayed. Share one store
   * across replicas (`@tollgate/redis`), or a proof refused by one replica is accepted by another.
   * Default: a `MemoryReplayStore` for this process.
   */
  replayStore?: ReplayStore | undefined;
}

/** DPoP settings with every default applied. */
export interface ResolvedDpop {
  readonly mode: DpopMode;
  readonly origin: HtuOrigin;
  readonly policy: DpopProofPolicy;
  readonly nonces: DpopNonces | null;
  readonly replayStore: ReplayStore;
}

/** What `resolveDpopOptions` returns: the replay store is left to the gate, which knows the verifier's clock. */
export type CheckedDpop = Omit<ResolvedDpop, 'replayStore'> & { readonly replayStore: ReplayStore | undefined };

const DPOP_OPTIONS: ReadonlySet<string> = new Set([
  'mode',
  'origin',
  'proof',
  'nonce',
  'replayStore',
] satisfies (keyof DpopOptions)[]);
const MODES: readonly DpopMode[] = ['off', 'allowed', 'required'];

/**
 * Checks the `dpop` option once, at start-up. With `mode: 'off'` and no `origin`, DPoP stays
 * unconfigured (`null`); with an origin, a route may still turn it on (Nest's `@Dpop()`).
 */
export function resolveDpopOptions(problems: Problems, value: unknown): CheckedDpop | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(
      line`${opt('dpop')} must be an object such as { mode: 'allowed', origin: 'https://api.example.com' }, got ${shown(value)}.`,
    );
    return null;
  }
  refuseUnknownOptions(problems, value, DPOP_OPTIONS, { at: 'dpop.' });
  const { mode = 'off', origin, proof, nonce = false, replayStore } = value as DpopOptions;
  if (!MODES.includes(mode))
    problems.add(line`${opt('dpop.mode')} must be 'off', 'allowed' or 'required', got ${shown(mode)}.`);
  if (origin === undefined) {
    if (mode === 'off') return null;
    problems.add(
      line`${opt('dpop.origin')} is required when DPoP is on: the public origin clients call, such as 'https://api.example.com' (see the README on proxies).`,
    );
    return null;
  }
  if (
    replayStore !== undefined &&
    (typeof replayStore !== 'object' || replayStore === null || typeof replayStore.useOnce !== 'function')
  ) {
    problems.add(
      line`${opt('dpop.replayStore')} must be a replay store with a useOnce(id, ttlMs) method, such as new MemoryReplayStore() or @tollgate/redis's RedisReplayStore.`,
    );
  }
  let htuOrigin: HtuOrigin | undefined;
  try {
    htuOrigin = resolveHtuOrigin(origin, 'dpop.origin');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.add(line`${opt('dpop.origin')}${error.message.slice('dpop.origin'.length)}`);
  }
  const policy = createDpopProofPolicy(proof ?? {}, 'dpop.proof', problems);
  let nonces: DpopNonces | null = null;
  // The gate passes its clock's time to every check, so the nonces' own clock is never read.
  if (nonce === true) nonces = new DpopNonces({}, 'dpop.nonce', problems);
  else if (typeof nonce === 'object' && nonce !== null) nonces = new DpopNonces(nonce, 'dpop.nonce', problems);
  else if (nonce !== false)
    problems.add(line`${opt('dpop.nonce')} must be true, false or { secret, stepSec }, got ${shown(nonce)}.`);
  if (htuOrigin === undefined) return null;
  return Object.freeze({ mode, origin: htuOrigin, policy, nonces, replayStore });
}
