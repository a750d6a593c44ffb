import { type AdapterDescription, type ResolvedAdapterOptions, resolveAdapterOptions } from './adapter-options.js';
import { toVerifier, type VerifierSource } from './verifier-source.js';
import { credentialsOf, type Credentials } from './bearer.js';
import type { JwtClaims } from './compact-jws.js';
import type { DpopMode, ResolvedDpop } from './dpop/dpop-options.js';
import { bindAndSpend, checkProof } from './dpop/dpop-request.js';
import { MemoryReplayStore } from './dpop/replay-store.js';
import { errorResponse, type ErrorResponse, type HttpTollgateError, type ResponseContext } from './error-response.js';
import { DpopError, TokenError, type AnyTollgateError } from './errors.js';
import { andThen, type MaybePromise } from './maybe-promise.js';
import { checkCertificateBinding } from './mtls/certificate-binding.js';
import type { CommonVerifierOptions } from './options.js';
import type { RequestFacts } from './request-facts.js';
import { resourceMetadataEndpoint, type ResourceMetadataEndpoint } from './resource-metadata-endpoint.js';
import { VERIFY_NOW, type VerifiedToken, type Verifier } from './verifier.js';

/** How a token was tied to the request that carried it. */
export type TokenBinding = 'bearer' | 'dpop' | 'mtls';

/** What an adapter attaches to a request (`req.auth`, `ctx.state.auth`, `request.auth`): the verified token and how it was bound. */
export type RequestAuth<C extends JwtClaims = JwtClaims> = VerifiedToken<C> & {
  /** `bearer`: any holder could send it; `dpop`: the sender proved possession of the key in `jkt`; `mtls`: the client certificate in `x5t` was presented. */
  readonly binding: TokenBinding;
  /** RFC 7638 thumbprint of the DPoP key the token is bound to, for `dpop`. */
  readonly jkt?: string;
  /** SHA-256 thumbprint of the client certificate the token is bound to (RFC 8705), for `mtls`. */
  readonly x5t?: string;
};

/** Per-route settings that override the gate's options (e.g. Nest's `@Dpop('required')`). */
export interface RouteOptions {
  readonly dpop?: DpopMode | undefined;
}

/** What a refusal is answered with; `auth` and `route` matter for refusals of guards after authentication. */
export interface RespondContext {
  readonly auth?: RequestAuth | undefined;
  readonly route?: RouteOptions | undefined;
}

/** Answers refusals the way the gate's options say; all an adapter's guards need when no gate ran before them. */
export interface Responder {
  readonly options: ResolvedAdapterOptions<unknown>;
  /** The HTTP answer for a refusal: status, every header (challenges, `DPoP-Nonce`, `Retry-After`), and the JSON body. */
  respond(error: AnyTollgateError, context?: RespondContext): ErrorResponse;
  /** `error` with `statusCode`, `headers` and `expose` set from `respond`, for a framework's own error pipeline (`passErrors`). */
  httpError(error: AnyTollgateError, context?: RespondContext): HttpTollgateError;
  /** Headers for a successful response: the current `DPoP-Nonce` for DPoP requests when nonces are on. */
  successHeaders(auth: RequestAuth | undefined): Readonly<Record<string, string>> | undefined;
}

/**
 * The request side of an adapter, in one object: reads the credentials, verifies the token, checks
 * the DPoP proof or the client certificate it is bound to, and says how to answer. Adapters read
 * the request (`nodeRequestFacts`), call `authenticate`, and copy `respond`'s answer; every
 * decision stays here, so Express, Koa, NestJS, Fastify and Fetch answer alike.
 */
export interface Gate extends Responder {
  readonly verifier: Verifier;
  /**
   * The RFC 9728 metadata this gate publishes for the verifier's `resource` (path, URL, document,
   * headers, and how to answer a request for it), built once; every challenge names its `url`.
   * `undefined` when the verifier has no resource or `resourceMetadata` is `false`.
   */
  readonly metadata: ResourceMetadataEndpoint | undefined;
  /**
   * Authenticates a request. A plain value when nothing needs waiting for (fresh keys, no async
   * check, a synchronous replay store), a promise otherwise. `undefined`: an anonymous request with
   * `credentialsOptional`. Throws (or rejects with) `TollgateError`s only.
   */
  authenticate(request: RequestFacts, route?: RouteOptions): MaybePromise<RequestAuth | undefined>;
}

/**
 * Builds the gate of one middleware or guard: checks its options once (a `ConfigError` lists every
 * problem) and builds or shares the verifier.
 *
 * @example
 * const gate = createGate(verifier, { realm: 'partner', dpop: { mode: 'allowed', origin: 'https://partner.example.com' } });
 * const auth = await gate.authenticate(nodeRequestFacts(req));
 */
export function createGate(
  source: VerifierSource,
  options: unknown = {},
  adapter: AdapterDescription = PLAIN,
  defaults: Pick<CommonVerifierOptions, 'logger'> = {},
): Gate {
  const resolved = resolveAdapterOptions(options ?? {}, adapter);
  return openGate(toVerifier(source, defaults), resolved);
}

/** How a gate built by hand (a plain `node:http` server) introduces itself in configuration errors. */
const PLAIN: AdapterDescription = {
  where: 'createGate()',
  onErrorSignature: null,
  verifierOptionsGo: 'in the first argument: createGate({ issuer, audience, algorithms }, options)',
};

/** A gate for a verifier and options already resolved (Nest resolves them in a provider). */
export function openGate(verifier: Verifier, options: ResolvedAdapterOptions<unknown>): Gate {
  return new RequestGate(verifier, options);
}

/** A responder without a verifier, for guards mounted without a gate before them. */
export function createResponder(options: ResolvedAdapterOptions<unknown>): Responder {
  return new ErrorAnswers(options, null, () => Date.now());
}

/** Which scheme the refused request used, remembered per error for `respond`. */
const SCHEME_OF = new WeakMap<object, 'Bearer' | 'DPoP'>();

class ErrorAnswers implements Responder {
  constructor(
    readonly options: ResolvedAdapterOptions<unknown>,
    protected readonly dpop: ResolvedDpop | null,
    protected readonly clock: () => number,
    /** Sent as `resource_metadata` in every challenge (RFC 9728 §5.1). */
    private readonly metadataUrl: string | undefined = undefined,
  ) {}

  protected mode(route: RouteOptions | undefined): DpopMode {
    return this.dpop === null ? 'off' : (route?.dpop ?? this.dpop.mode);
  }

  respond(error: AnyTollgateError, context: RespondContext = {}): ErrorResponse {
    const mode = this.mode(context.route);
    const dpop = this.dpop;
    const response: ResponseContext =
      dpop === null || mode === 'off'
        ? { realm: this.options.realm, resourceMetadata: this.metadataUrl }
        : {
            realm: this.options.realm,
            resourceMetadata: this.metadataUrl,
            schemes: mode === 'required' ? ['DPoP'] : ['Bearer', 'DPoP'],
            scheme: SCHEME_OF.get(error) ?? (context.auth?.binding === 'dpop' ? 'DPoP' : 'Bearer'),
            dpopAlgs: dpop.policy.algorithms,
            dpopNonce: dpop.nonces?.issue(this.clock()),
          };
    return errorResponse(error, response);
  }

  httpError(error: AnyTollgateError, context?: RespondContext): HttpTollgateError {
    const { status, headers } = this.respond(error, context);
    return Object.assign(error, { statusCode: status, headers: { ...headers }, expose: status < 500 });
  }

  successHeaders(auth: RequestAuth | undefined): Readonly<Record<string, string>> | undefined {
    const nonces = this.dpop?.nonces;
    return nonces && auth?.binding === 'dpop' ? { 'dpop-nonce': nonces.issue(this.clock()) } : undefined;
  }
}

class RequestGate extends ErrorAnswers implements Gate {
  private readonly verifyNow: (token: string) => MaybePromise<VerifiedToken>;
  readonly metadata: ResourceMetadataEndpoint | undefined;

  constructor(
    readonly verifier: Verifier,
    options: ResolvedAdapterOptions<unknown>,
  ) {
    const checked = options.dpop;
    const clock = () => verifier.now();
    const dpop =
      checked === null ? null : { ...checked, replayStore: checked.replayStore ?? new MemoryReplayStore({ clock }) };
    // A verifier from an older copy of the core has no describe(): it has no resource either.
    const metadata = resourceMetadataEndpoint(
      typeof verifier.describe === 'function' ? verifier.describe() : undefined,
      options,
    );
    super(options, dpop, clock, metadata?.url);
    this.metadata = metadata;
    const fast = (verifier as Partial<Record<typeof VERIFY_NOW, (token: string) => MaybePromise<VerifiedToken>>>)[
      VERIFY_NOW
    ];
    this.verifyNow = typeof fast === 'function' ? fast.bind(verifier) : (token) => verifier.verify(token);
  }

  authenticate(request: RequestFacts, route?: RouteOptions): MaybePromise<RequestAuth | undefined> {
    const mode = this.mode(route);
    const { locations, credentialsOptional } = this.options;
    const credentials = credentialsOf(
      request.header('authorization'),
      locations.cookie === undefined ? undefined : request.header('cookie'),
      request.url,
      locations,
      mode !== 'off',
    );
    if (credentials === undefined) {
      if (credentialsOptional) return undefined;
      throw new TokenError(
        'ERR_TOKEN_MISSING',
        mode === 'required'
          ? 'Authentication is required: send "Authorization: DPoP <token>" with a DPoP proof.'
          : 'Authentication is required: send "Authorization: Bearer <token>".',
      );
    }
    if (credentials.scheme === 'dpop') return this.withDpop(request, credentials, this.dpop as ResolvedDpop);
    if (mode === 'required')
      throw new DpopError(
        'ERR_DPOP_REQUIRED',
        'This resource accepts DPoP-bound tokens only: send "Authorization: DPoP <token>" with a DPoP proof.',
        { reason: 'required' },
      );
    // No closure and no promise while the verification is synchronous.
    const verified = this.verifyNow(credentials.token);
    return verified instanceof Promise
      ? verified.then((token) => this.asBearer(token, request))
      : this.asBearer(verified, request);
  }

  /** A token sent with the Bearer scheme: refused when DPoP-bound, checked against the client certificate when mTLS-bound. */
  private asBearer(token: VerifiedToken, request: RequestFacts): RequestAuth {
    const cnf = token.claims.cnf as { jkt?: unknown; 'x5t#S256'?: unknown } | undefined;
    if (cnf === undefined) return bearer(token);
    // RFC 9449 7.2: a DPoP-bound token sent as Bearer is a stolen token being tried without its key.
    if (cnf.jkt !== undefined)
      throw new DpopError(
        'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
        'This token is bound to a DPoP key; send it with "Authorization: DPoP" and a proof.',
        { reason: 'downgrade' },
      );
    if (cnf['x5t#S256'] === undefined) return bearer(token);
    return bound(token, 'mtls', { x5t: checkCertificateBinding(cnf['x5t#S256'], request, this.options.mtls) });
  }

  private withDpop(request: RequestFacts, credentials: Credentials, dpop: ResolvedDpop): MaybePromise<RequestAuth> {
    try {
      const proof = checkProof(dpop, request, credentials.token, this.clock());
      const outcome = andThen(this.verifyNow(credentials.token), (token) => {
        const x5t = (token.claims.cnf as { 'x5t#S256'?: unknown } | undefined)?.['x5t#S256'];
        const certificate = x5t === undefined ? undefined : checkCertificateBinding(x5t, request, this.options.mtls);
        return andThen(bindAndSpend(dpop, token.claims, proof), () =>
          bound(token, 'dpop', certificate === undefined ? { jkt: proof.jkt } : { jkt: proof.jkt, x5t: certificate }),
        );
      });
      return outcome instanceof Promise ? outcome.catch(dpopScheme) : outcome;
    } catch (error) {
      return dpopScheme(error);
    }
  }
}

/** Remembers that a refusal belongs to the DPoP scheme, so its challenge carries the error. */
function dpopScheme(error: unknown): never {
  if (typeof error === 'object' && error !== null) SCHEME_OF.set(error, 'DPoP');
  throw error;
}

/**
 * The `req.auth` of a Bearer token, the common case, member by member: a literal of fixed shape
 * costs less per request than a spread (`satisfies` makes the compiler name a member left out).
 */
function bearer(token: VerifiedToken): RequestAuth {
  const auth = {
    claims: token.claims,
    header: token.header,
    alg: token.alg,
    kid: token.kid,
    keySource: token.keySource,
    issuer: token.issuer,
    cached: token.cached,
    binding: 'bearer' as const,
  } satisfies { readonly [K in keyof Required<RequestAuth> as K extends 'jkt' | 'x5t' ? never : K]: unknown };
  return Object.freeze(auth);
}

function bound(
  token: VerifiedToken,
  binding: TokenBinding,
  thumbprints: { jkt?: string; x5t?: string } = {},
): RequestAuth {
  return Object.freeze({ ...token, binding, ...thumbprints });
}
