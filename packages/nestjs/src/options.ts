import { Logger } from '@nestjs/common';
import type { Verifier, VerifierLogger, VerifierOptions } from '@tollgate/core';
import {
  resolveAdapterOptions,
  type AdapterDescription,
  type AdapterOptions,
  type ResolvedAdapterOptions,
} from '@tollgate/core/adapter';

/**
 * Options of `TollgateModule.forRoot()` / the factory of `forRootAsync()`: the core's adapter
 * options (`credentialsOptional`, `locations`, `realm`, `warmOnStart`, documented once on
 * `AdapterOptions`) and `verifier`. `passErrors` and `onError` are not taken: the guard throws
 * Nest HTTP exceptions, which exception filters (or an overridden `TollgateGuard.handleError`)
 * take over. An unknown option is refused at start-up.
 *
 * @example
 * TollgateModule.forRoot({
 *   verifier: { issuer: 'https://auth.example.com', audience: 'orders', algorithms: ['RS256'] },
 *   realm: 'orders',
 *   warmOnStart: true,
 * })
 */
export interface TollgateModuleOptions extends Omit<AdapterOptions<never>, 'passErrors' | 'onError'> {
  /**
   * The core's verifier options (`createVerifier`), or an existing `Verifier` to share
   * its key caches. Default: built from the `TOLLGATE_*` environment variables, failing
   * at start-up with a message naming every missing one. A verifier the module builds logs
   * through Nest's `Logger` unless its options set `logger`, and is closed on application
   * shutdown; one you pass in is yours to close.
   */
  verifier?: VerifierOptions | Verifier | undefined;
}

/** Extra options of `forRoot`/`forRootAsync` that shape the Nest module itself. */
export interface TollgateModuleExtras {
  /** Register the module globally, so the guard works in every module. Default `true`. */
  isGlobal?: boolean;
}

/** The module options checked once, with every default applied: what the module, the verifier provider and the guard read. */
export interface ResolvedTollgateOptions extends ResolvedAdapterOptions<never> {
  readonly verifier: VerifierOptions | Verifier | undefined;
}

const NEST_ADAPTER: AdapterDescription = {
  where: 'TollgateModule',
  onErrorSignature: null,
  verifierOptionsGo: 'under `verifier`, as in TollgateModule.forRoot({ verifier: { issuer, audience, algorithms } })',
  ownOptions: ['verifier'],
  elsewhere: [
    {
      names: new Set(['passErrors', 'onError']),
      advice: (one) =>
        `not taken by TollgateModule: the guard throws Nest HTTP exceptions, so handle ${one ? 'refusals' : 'them'} with an exception filter or by overriding TollgateGuard.handleError().`,
    },
  ],
};

/**
 * Checks the module options once, at start-up, with the same rules as the Express and Koa
 * adapters. Catches the likely slip of passing verifier options flat (`{ issuer, audience }`),
 * which would otherwise silently fall back to environment variables.
 */
export function resolveModuleOptions(options: unknown): ResolvedTollgateOptions {
  const given = options ?? {};
  const resolved = resolveAdapterOptions<never>(given, NEST_ADAPTER);
  return Object.freeze({ ...resolved, verifier: (given as TollgateModuleOptions).verifier });
}

/** The verifier's logger when the module builds it: Nest's own, so its lines look like the app's. */
export function nestLogger(): VerifierLogger {
  const logger = new Logger('Tollgate');
  return { warn: (message) => logger.warn(message), info: (message) => logger.log(message) };
}
