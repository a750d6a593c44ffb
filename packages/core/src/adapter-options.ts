import type { TokenLocations } from './bearer.js';
import { resolveDpopOptions, type CheckedDpop, type DpopOptions } from './dpop/dpop-options.js';
import { resolveMtlsOptions, type MtlsOptions, type ResolvedMtls } from './mtls/certificate-binding.js';
import { line, opt, Problems } from './problems.js';
import {
  resolveResourceMetadataOptions,
  type ResolvedResourceMetadataOptions,
  type ResourceMetadataOptions,
} from './resource-metadata-endpoint.js';
import { VERIFIER_OPTION_NAMES, shown } from './resolve-options.js';
import { refuseUnknownOptions, type MisplacedOptions } from './unknown-options.js';

/** `realm` of the `WWW-Authenticate` challenges when none is configured. */
export const DEFAULT_REALM = 'api';

/**
 * The options an HTTP adapter takes next to its verifier source: the second argument of Express's
 * and Koa's `verify(source, options)`, and Nest's module options. `H` is the adapter's error
 * handler type. Every field is optional; an unknown field is refused at start-up.
 */
export interface AdapterOptions<H> {
  /**
   * Let requests without a token through, with no auth attached (`req.auth`, `ctx.state.auth`,
   * `@Auth()` unset). A token that is present but bad is still refused, and guards after the
   * middleware refuse anonymous requests with 401. Default: `false`.
   */
  credentialsOptional?: boolean | undefined;
  /**
   * Also read the token from a cookie and/or a query parameter, e.g. `{ cookie: 'access_token' }`.
   * The `Authorization: Bearer` header is always read; a token in more than one place is a 400.
   * Default: the header only.
   */
  locations?: TokenLocations | undefined;
  /** `realm` of the `WWW-Authenticate` challenge. Default: `'api'` (`DEFAULT_REALM`). */
  realm?: string | undefined;
  /**
   * Hand tollgate errors to the framework's error handling (Express: `next(err)`; Koa: a throw)
   * instead of answering. The error keeps its class and `code` and carries `status`,
   * `statusCode`, `headers` (the RFC 6750 challenge or `Retry-After`) and `expose` (false for
   * 5xx), so the framework's default handler and http-errors-style handlers send the right status
   * and headers. Default: `false` (tollgate answers with a JSON body). Not in NestJS, whose guard
   * throws Nest HTTP exceptions.
   */
  passErrors?: boolean | undefined;
  /**
   * Renders tollgate errors yourself: it receives every tollgate error of the middleware and of
   * the guards mounted after it. Errors that are not tollgate's (a bug in your own `requireClaims`
   * predicate) skip it. Cannot be combined with `passErrors`. Default: none. Not in NestJS
   * (override `TollgateGuard.handleError` there).
   */
  onError?: H | undefined;
  /**
   * Prefetch discovery and the JWKS (`verifier.ready()`) in the background at start-up, so the
   * first request does not wait for them. Never blocks or stops start-up: a failure reaches the
   * operator through the verifier's `logger`, and requests fetch the keys on demand. Turn it on
   * for services that take traffic as soon as they listen. Default: `false`.
   */
  warmOnStart?: boolean | undefined;
  /**
   * Sender-constrained tokens with DPoP (RFC 9449): `{ mode: 'allowed' | 'required', origin }`.
   * A token bound to a DPoP key (`cnf.jkt`) is refused as Bearer whatever the mode. Default:
   * `{ mode: 'off' }`. See the README section "Sender-constrained tokens".
   */
  dpop?: DpopOptions | undefined;
  /**
   * Certificate-bound tokens (RFC 8705): a token with `cnf["x5t#S256"]` is accepted only with that
   * client certificate, read from the TLS connection, or from `certificateHeader` behind a
   * TLS-terminating proxy. Default: the TLS connection only.
   */
  mtls?: MtlsOptions | undefined;
  /**
   * RFC 9728 protected resource metadata for the verifier's `resource`: every 401 and 403
   * challenge names it (`resource_metadata="…"`), and the adapter serves it at the well-known path
   * (Express and Koa: `app.use(resourceMetadata(auth))`; NestJS: registered by the module).
   * `{ scopesSupported, resourceName, resourceDocumentation, extra, maxAgeSec }` adds to the
   * document; `false` turns both off. Default: on when the verifier has a `resource`, with
   * nothing added and `maxAgeSec` `3600`.
   */
  resourceMetadata?: ResourceMetadataOptions | false | undefined;
}

/** Adapter options with every default applied. */
export interface ResolvedAdapterOptions<H> {
  readonly credentialsOptional: boolean;
  readonly locations: TokenLocations;
  readonly realm: string;
  readonly passErrors: boolean;
  readonly onError: H | undefined;
  readonly warmOnStart: boolean;
  /** `null`: DPoP is off and unconfigured. */
  readonly dpop: CheckedDpop | null;
  readonly mtls: ResolvedMtls;
  /** `false`: turned off. */
  readonly resourceMetadata: ResolvedResourceMetadataOptions | false;
}

/** What `resolveAdapterOptions` needs to know about the adapter calling it. */
export interface AdapterDescription {
  /** Names the call in messages, e.g. `verify()` or `TollgateModule`. */
  readonly where: string;
  /** The `onError` handler's parameters for messages, e.g. `(err, req, res, next)`; `null` when the adapter takes neither `onError` nor `passErrors`. */
  readonly onErrorSignature: string | null;
  /** Where verifier options go instead, for a message when they are passed here, e.g. `in the first argument: verify({ issuer, audience, algorithms }, options)`. */
  readonly verifierOptionsGo: string;
  /** Options the adapter adds and checks itself, e.g. Nest's `verifier`. */
  readonly ownOptions?: readonly string[] | undefined;
  /** Further names to explain when they appear, e.g. options the adapter does not support. */
  readonly elsewhere?: readonly MisplacedOptions[] | undefined;
}

const SHARED_OPTIONS = [
  'credentialsOptional',
  'locations',
  'realm',
  'warmOnStart',
  'dpop',
  'mtls',
  'resourceMetadata',
] as const satisfies readonly (keyof AdapterOptions<unknown>)[];
const ERROR_OPTIONS = ['passErrors', 'onError'] as const satisfies readonly (keyof AdapterOptions<unknown>)[];
const LOCATION_OPTIONS: ReadonlySet<string> = new Set(['cookie', 'query'] satisfies (keyof TokenLocations)[]);

/**
 * Checks an adapter's options once, at start-up, and applies the defaults. Every problem is
 * listed in one `ConfigError`, unknown options included (with the closest known name), so a bad
 * configuration never surfaces per request.
 *
 * @example
 * const resolved = resolveAdapterOptions<ErrorHandler>(options, { where: 'verify()', onErrorSignature: '(err, req, res, next)', verifierOptionsGo: '…' });
 */
export function resolveAdapterOptions<H>(options: unknown, adapter: AdapterDescription): ResolvedAdapterOptions<H> {
  const problems = new Problems();
  const title = `Invalid ${adapter.where} options`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.add(line`${opt('options')} must be an object, got ${shown(options)}.`);
    problems.throwIfAny(title);
  }
  const takesErrors = adapter.onErrorSignature !== null;
  const known = new Set<string>([
    ...SHARED_OPTIONS,
    ...(takesErrors ? ERROR_OPTIONS : []),
    ...(adapter.ownOptions ?? []),
  ]);
  refuseUnknownOptions(problems, options as object, known, {
    elsewhere: [
      {
        names: VERIFIER_OPTION_NAMES,
        advice: (one) =>
          `${one ? 'a verifier option' : 'verifier options'}: pass ${one ? 'it' : 'them'} ${adapter.verifierOptionsGo}.`,
      },
      ...(adapter.elsewhere ?? []),
    ],
  });
  const {
    credentialsOptional = false,
    locations = {},
    realm = DEFAULT_REALM,
    passErrors = false,
    onError,
    warmOnStart = false,
  } = options as AdapterOptions<unknown>;
  const flag = (name: string, value: unknown) => {
    if (typeof value !== 'boolean') problems.add(line`${opt(name)} must be true or false, got ${shown(value)}.`);
  };
  flag('credentialsOptional', credentialsOptional);
  if (typeof realm !== 'string') problems.add(line`${opt('realm')} must be a string, got ${shown(realm)}.`);
  if (typeof locations !== 'object' || locations === null || Array.isArray(locations)) {
    problems.add(
      line`${opt('locations')} must be an object such as { cookie: 'access_token' }, got ${shown(locations)}.`,
    );
  } else {
    refuseUnknownOptions(problems, locations, LOCATION_OPTIONS, { at: 'locations.' });
    for (const place of ['cookie', 'query'] as const) {
      const name = locations[place];
      if (name !== undefined && (typeof name !== 'string' || name.length === 0))
        problems.add(line`${opt(`locations.${place}`)} must be a non-empty ${place} name.`);
    }
  }
  if (takesErrors) {
    flag('passErrors', passErrors);
    if (onError !== undefined && typeof onError !== 'function')
      problems.add(line`${opt('onError')} must be a function ${adapter.onErrorSignature}.`);
    if (onError !== undefined && passErrors === true) {
      problems.add(
        line`${opt('onError')} and ${opt('passErrors')} cannot be combined: onError already decides what happens to errors, so remove passErrors.`,
      );
    }
  }
  flag('warmOnStart', warmOnStart);
  const dpop = resolveDpopOptions(problems, (options as AdapterOptions<unknown>).dpop);
  const mtls = resolveMtlsOptions(problems, (options as AdapterOptions<unknown>).mtls);
  const resourceMetadata = resolveResourceMetadataOptions(
    problems,
    (options as AdapterOptions<unknown>).resourceMetadata,
  );
  problems.throwIfAny(title);
  return Object.freeze({
    credentialsOptional,
    locations: Object.freeze({ ...locations }),
    realm,
    passErrors: takesErrors && passErrors,
    onError: takesErrors ? (onError as H | undefined) : undefined,
    warmOnStart,
    dpop,
    mtls,
    resourceMetadata,
  });
}
