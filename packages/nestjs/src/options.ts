import { ConfigError, resolveAdapterOptions, type TokenLocations, type Verifier, type VerifierOptions } from '@tollgate/core';

/**
 * Options of `TollgateModule.forRoot()` / the factory of `forRootAsync()`.
 * Verifier settings live under `verifier`; everything else is about how the
 * guard reads tokens and answers HTTP requests.
 *
 * @example
 * TollgateModule.forRoot({
 *   verifier: { issuer: 'https://auth.example.com', audience: 'orders', algorithms: ['RS256'] },
 *   realm: 'orders',
 * })
 */
export interface TollgateModuleOptions {
  /**
   * The core's verifier options (`createVerifier`), or an existing `Verifier` to share
   * its key caches. Default: built from the `TOLLGATE_*` environment variables, failing
   * at start-up with a message naming every missing one. A verifier the module builds is
   * closed on application shutdown; one you pass in is yours to close.
   */
  verifier?: VerifierOptions | Verifier | undefined;
  /** `realm` in `WWW-Authenticate` challenges. Default `'api'`. */
  realm?: string | undefined;
  /**
   * Let requests without a token through the guard (`@Auth()` is then `undefined`);
   * a bad token is still refused, and `@Scopes()` still needs one. Default `false`.
   */
  credentialsOptional?: boolean | undefined;
  /** Extra token locations (cookie, query). Default: the `Authorization` header only. */
  locations?: TokenLocations | undefined;
  /**
   * Prefetch discovery and keys (`verifier.ready()`) in the background when the module
   * starts, so the first request does not wait. Failures are logged and never stop the
   * application from booting. Default `false`.
   */
  warmOnStart?: boolean | undefined;
}

/** Extra options of `forRoot`/`forRootAsync` that shape the Nest module itself. */
export interface TollgateModuleExtras {
  /** Register the module globally, so the guard works in every module. Default `true`. */
  isGlobal?: boolean;
}

const KNOWN_OPTIONS = new Set<string>(['verifier', 'realm', 'credentialsOptional', 'locations', 'warmOnStart'] satisfies (keyof TollgateModuleOptions)[]);

/**
 * Checks the module options once, at start-up. Catches the likely slip of passing
 * verifier options flat (`{ issuer, audience }`), which would otherwise silently fall
 * back to environment variables.
 */
export function checkModuleOptions(options: unknown): TollgateModuleOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new ConfigError('TollgateModule options must be an object.', ['TollgateModule']);
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      `TollgateModule does not know the option(s) ${unknown.join(', ')}. Verifier options go under \`verifier\`: ` +
        'TollgateModule.forRoot({ verifier: { issuer, audience, algorithms } }).',
      unknown,
    );
  }
  // The same checks as the Express and Koa adapters: realm, credentialsOptional, locations.
  resolveAdapterOptions(options, 'TollgateModule', '');
  return options as TollgateModuleOptions;
}
