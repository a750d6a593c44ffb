import { optionsFromEnv } from './env.js';
import type { CommonVerifierOptions, VerifierOptions } from './options.js';
import { createVerifier, type Verifier } from './verifier.js';

/** What an adapter accepts: verifier options, an existing verifier (to share its caches), or nothing (environment). */
export type VerifierSource = VerifierOptions | Verifier | undefined;

function isVerifier(value: unknown): value is Verifier {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Verifier).verify === 'function' &&
    typeof (value as Verifier).stats === 'function'
  );
}

/**
 * Returns the verifier an adapter should use: the given one, one built from options, or one built
 * from `TOLLGATE_*` variables (failing fast at start-up). `defaults` fill options the source
 * leaves unset when a verifier is built here, e.g. Nest's own logger.
 *
 * @example
 * const verifier = toVerifier(options.verifier, { logger: myLogger });
 */
export function toVerifier(source: VerifierSource, defaults: Pick<CommonVerifierOptions, 'logger'> = {}): Verifier {
  if (isVerifier(source)) return source;
  const options = source ?? optionsFromEnv();
  if (
    defaults.logger === undefined ||
    (typeof options === 'object' && options !== null && options.logger !== undefined)
  )
    return createVerifier(options);
  return createVerifier({ ...options, logger: defaults.logger });
}

/**
 * Starts `verifier.ready()` in the background when `warmOnStart` is set. Never throws and never
 * rejects: a failed prefetch reaches the operator through the verifier's logger, and requests
 * fetch the keys on demand.
 *
 * @example
 * const resolved = resolveAdapterOptions(options, adapter);
 * const verifier = toVerifier(source);
 * warmInBackground(verifier, resolved);
 */
export function warmInBackground(verifier: Verifier, options: { readonly warmOnStart: boolean }): void {
  if (options.warmOnStart) verifier.ready().catch(() => undefined);
}
