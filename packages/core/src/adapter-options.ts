import { DEFAULT_REALM, type AuthenticateOptions } from './authenticate.js';
import type { TokenLocations } from './bearer.js';
import { Problems } from './resolve-options.js';

/** The options an HTTP adapter takes next to the verifier source; `H` is its error-handler type. */
export interface AdapterOptions<H> extends AuthenticateOptions {
  /** Hand tollgate errors to the framework's error handling instead of answering. Default `false`. */
  passErrors?: boolean | undefined;
  /** Renders tollgate errors yourself. Cannot be combined with `passErrors`. Default: none. */
  onError?: H | undefined;
}

/** Adapter options with every default applied. */
export interface ResolvedAdapterOptions<H> {
  readonly credentialsOptional: boolean;
  readonly locations: TokenLocations;
  readonly realm: string;
  readonly passErrors: boolean;
  readonly onError: H | undefined;
}

/**
 * Checks an adapter's options once, at start-up, and applies the defaults. Every problem is
 * listed in one `ConfigError`, so a bad configuration never surfaces per request.
 *
 * @param where names the call in the message, e.g. `verify()` or `TollgateModule`.
 * @param onErrorSignature the handler's parameters for the message, e.g. `(err, req, res, next)`.
 */
export function resolveAdapterOptions<H>(options: unknown, where: string, onErrorSignature: string): ResolvedAdapterOptions<H> {
  const problems = new Problems();
  if (typeof options !== 'object' || options === null) {
    problems.add('options', 'must be an object.');
    problems.throwIfAny(`Invalid ${where} options`);
  }
  const { credentialsOptional = false, locations = {}, realm = DEFAULT_REALM, passErrors = false, onError } = options as AdapterOptions<unknown>;
  if (typeof credentialsOptional !== 'boolean') problems.add('credentialsOptional', 'must be a boolean.');
  if (typeof realm !== 'string') problems.add('realm', 'must be a string.');
  if (typeof locations !== 'object' || locations === null) {
    problems.add('locations', "must be an object such as { cookie: 'access_token' }.");
  } else {
    for (const place of ['cookie', 'query'] as const) {
      const name = locations[place];
      if (name !== undefined && (typeof name !== 'string' || name.length === 0)) problems.add(`locations.${place}`, `must be a non-empty ${place} name.`);
    }
  }
  if (typeof passErrors !== 'boolean') problems.add('passErrors', 'must be a boolean.');
  if (onError !== undefined && typeof onError !== 'function') problems.add('onError', `must be a function ${onErrorSignature}.`);
  if (onError !== undefined && passErrors === true) problems.add('onError', 'and passErrors are both set; onError already decides what happens to errors.', 'passErrors');
  problems.throwIfAny(`Invalid ${where} options`);
  return Object.freeze({ credentialsOptional, locations: Object.freeze({ ...locations }), realm, passErrors, onError: onError as H | undefined });
}
