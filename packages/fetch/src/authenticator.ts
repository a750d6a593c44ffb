import {
  ConfigError,
  isTollgateError,
  type AnyTollgateError,
  type AuthCheck,
  type DpopMode,
  type RequestAuth,
  type Verifier,
} from '@tollgate/core';
import {
  createGate,
  fetchRequestFacts,
  warmInBackground,
  type AdapterDescription,
  type AdapterOptions,
  type ResourceMetadataEndpoint,
  type VerifierSource,
} from '@tollgate/core/adapter';
import { toResponse } from './response.js';

/**
 * Takes over error rendering: receives every tollgate error of `authenticateRequest` (its checks
 * included) and returns the `Response` to send. Errors that are not tollgate errors (bugs in your
 * own `requireClaims` predicate) skip it and reject `authenticateRequest`.
 */
export type ErrorHandler = (error: AnyTollgateError, request: Request) => Response | Promise<Response>;

/**
 * Adapter options of `createAuthenticator()`, next to the verifier source: `credentialsOptional`,
 * `locations`, `realm`, `passErrors` (reject with the error, `statusCode` and `headers` set,
 * instead of resolving with a `Response`), `onError` (an {@link ErrorHandler}), `warmOnStart`,
 * `dpop` and `mtls`, documented once on the core's `AdapterOptions`. An unknown one is refused.
 */
export type AuthenticatorOptions = AdapterOptions<ErrorHandler>;

/** What one call of `authenticateRequest` requires beyond a valid token. */
export interface RequestRequirements {
  /** Checks on the verified token, run in order: `requireScopes(...)`, `requireClaims(...)`, `requireAuthLevel(...)`. Default: none. */
  checks?: readonly AuthCheck[] | undefined;
  /** The DPoP mode of this route, overriding the authenticator's `dpop.mode` (needs its `dpop.origin`). Default: the authenticator's mode. */
  dpop?: DpopMode | undefined;
}

/** What `createAuthenticator()` returns. */
export interface Authenticator {
  /** The verifier it uses (warm it, read stats, close it at shutdown). */
  readonly verifier: Verifier;
  /**
   * Authenticates a Fetch `Request`: resolves with the verified token and its binding
   * (`RequestAuth`), `undefined` for an anonymous request when `credentialsOptional` is on, or
   * the `Response` to send for a refusal (RFC 6750 / RFC 9449: 401 with a challenge, 400, 403
   * `insufficient_scope`, 503 with `Retry-After`).
   */
  authenticateRequest(
    request: Request,
    requirements?: RequestRequirements,
  ): Promise<RequestAuth | undefined | Response>;
  /** Headers to add to a successful response: the current `DPoP-Nonce` for DPoP requests when nonces are on, else `undefined`. */
  successHeaders(auth: RequestAuth | undefined): Readonly<Record<string, string>> | undefined;
  /** The RFC 9728 metadata named in every challenge (path, URL, document), or `undefined` when the verifier has no `resource` or `resourceMetadata` is `false`. */
  readonly metadata: ResourceMetadataEndpoint | undefined;
  /**
   * The answer to a request for the RFC 9728 metadata (GET, HEAD, the CORS preflight at
   * `metadata.path`), or `undefined` for any other request or without metadata. Serve it from a
   * route handler at that path; it needs no token.
   */
  metadataResponse(request: Request): Response | undefined;
}

const FETCH_ADAPTER: AdapterDescription = {
  where: 'createAuthenticator()',
  onErrorSignature: '(err, request)',
  verifierOptionsGo: 'in the first argument: createAuthenticator({ issuer, audience, algorithms }, options)',
};

/**
 * Builds the authenticator of a Fetch API service (Next.js route handlers, any
 * `(request: Request) => Response` handler) once, at start-up.
 *
 * `source` is the core's verifier options, an existing verifier, or nothing: then `TOLLGATE_*`
 * environment variables configure it. A bad configuration throws a `ConfigError` here, naming
 * every problem, never per request.
 *
 * @example
 * const tollgate = createAuthenticator({ issuer: 'https://auth.example.com', audience: 'orders-api', algorithms: ['RS256'] });
 * export async function GET(request: Request) {
 *   const auth = await tollgate.authenticateRequest(request, { checks: [requireScopes('orders:read')] });
 *   if (auth instanceof Response) return auth;
 *   return Response.json({ user: auth?.claims.sub });
 * }
 */
export function createAuthenticator(source?: VerifierSource, options: AuthenticatorOptions = {}): Authenticator {
  const gate = createGate(source, options, FETCH_ADAPTER);
  warmInBackground(gate.verifier, gate.options);
  const onError = gate.options.onError as ErrorHandler | undefined;

  return {
    verifier: gate.verifier,
    async authenticateRequest(request, requirements = {}) {
      // A route that asks for DPoP where the authenticator cannot check proofs must not quietly take bearer tokens.
      if (requirements.dpop !== undefined && requirements.dpop !== 'off' && gate.options.dpop === null) {
        throw new ConfigError(
          `authenticateRequest(request, { dpop: '${requirements.dpop}' }) needs createAuthenticator's dpop option with an origin, e.g. { dpop: { mode: 'off', origin: 'https://api.example.com' } }.`,
          ['dpop.origin'],
        );
      }
      let auth: RequestAuth | undefined;
      try {
        auth = await gate.authenticate(fetchRequestFacts(request), requirements);
        for (const check of requirements.checks ?? []) await check(auth);
        return auth;
      } catch (error) {
        if (!isTollgateError(error)) throw error;
        if (onError !== undefined) return onError(error, request);
        const context = { auth, route: requirements };
        if (gate.options.passErrors) throw gate.httpError(error, context);
        return toResponse(gate.respond(error, context));
      }
    },
    successHeaders: (auth) => gate.successHeaders(auth),
    metadata: gate.metadata,
    metadataResponse(request) {
      const answer = gate.metadata?.answer(request.method, new URL(request.url).pathname);
      return answer === undefined
        ? undefined
        : new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
    },
  };
}
