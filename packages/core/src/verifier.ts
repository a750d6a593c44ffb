import type { Algorithm } from './algorithms.js';
import { isSupportedAlgorithm } from './algorithms.js';
import { checkClaims } from './claims.js';
import { decodeCompactJws, HeaderMemo, type DecodedJws, type JwtClaims, type ProtectedHeader } from './compact-jws.js';
import { deepFreeze } from './deep-freeze.js';
import {
  AlgorithmError,
  ClaimError,
  KeysUnavailableError,
  TokenError,
  isTollgateError,
  type AnyTollgateError,
} from './errors.js';
import { EventHub, type VerifierEventName, type VerifierListener } from './events.js';
import { createHttpFetcher, type OwnedJsonFetcher } from './http-fetcher.js';
import type { KeySource } from './key-source.js';
import type { MaybePromise } from './maybe-promise.js';
import { attachOperatorLog } from './operator-log.js';
import type { ClaimCheck, VerifierOptions } from './options.js';
import { RemoteJwksSource, type JwksSourceState } from './remote-jwks.js';
import { resolveOptions, type ResolvedIssuer } from './resolve-options.js';
import { SecretKeySource } from './secret-key-source.js';
import { StatsRecorder, type VerifierStats } from './stats.js';
import { revokedError, type RevocationCheck, type RevocationState } from './revocation.js';
import { TokenCache, type CachedVerification } from './token-cache.js';
import type { KeySourceKind, VerificationKey } from './verification-key.js';

/** What `verify()` resolves to. */
export interface VerifiedToken<C extends JwtClaims = JwtClaims> {
  readonly claims: C;
  readonly header: ProtectedHeader;
  readonly alg: Algorithm;
  /** The `kid` of the token, if it had one. */
  readonly kid: string | undefined;
  /** `'jwks'` for asymmetric keys, `'secret'` for an HS256 migration secret. */
  readonly keySource: KeySourceKind;
  /** The trusted issuer entry that accepted the token (its issuer URL, else its JWKS URI). */
  readonly issuer: string;
  /** True when served from the verified-token cache. */
  readonly cached: boolean;
}

export interface VerifyCallOptions {
  /** Stops waiting for keys (not the shared fetch) when aborted; fails with `ERR_KEY_WAIT_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
}

/** Readiness: `ready` when every key set is usable, `stale` when one serves through failing refreshes, `unavailable` when one has no keys. */
export interface VerifierHealth {
  readonly status: 'ready' | 'stale' | 'unavailable';
  readonly sources: readonly JwksSourceState[];
  /** The revocation list's state when one is configured: `degraded` (its source is away, the last list serves) makes `status` `stale`. */
  readonly revocation?: RevocationState;
}

/** What a verifier accepts, as a resource describes itself (RFC 9728): configuration only, never keys or secrets. */
export interface VerifierDescription {
  /** The `resource` option: this resource server's identifier, also an accepted audience. */
  readonly resource: string | undefined;
  /** The `issuer` of every trusted issuer that has one, in configured order: RFC 9728 `authorization_servers`. */
  readonly authorizationServers: readonly string[];
}

export interface Verifier {
  /** Verifies a compact JWS. Rejects with a `TollgateError` only. */
  verify<C extends JwtClaims = JwtClaims>(token: string, options?: VerifyCallOptions): Promise<VerifiedToken<C>>;
  /** Prefetches discovery and every JWKS so the first request does not wait. Rejects if any cannot be fetched. */
  ready(options?: VerifyCallOptions): Promise<void>;
  health(): VerifierHealth;
  stats(): VerifierStats;
  on<E extends VerifierEventName>(event: E, listener: VerifierListener<E>): () => void;
  off<E extends VerifierEventName>(event: E, listener: VerifierListener<E>): void;
  /** Releases the HTTP agent and caches. Later `verify` calls fail with `ERR_VERIFIER_CLOSED`. */
  close(): Promise<void>;
  /** The verifier's clock in epoch milliseconds (`clock` option): request-level checks such as DPoP proof times use it too. */
  now(): number;
  /**
   * What the verifier accepts, frozen: its `resource` and the issuers whose tokens it trusts.
   * Adapters build the RFC 9728 metadata document from it.
   */
  describe(): VerifierDescription;
}

/**
 * `verify` returning a plain value when nothing needs waiting for. Internal to tollgate's packages
 * (the request gate calls it to spare a promise per request); `Symbol.for`, so a second copy of the
 * core in one process finds it too.
 */
export const VERIFY_NOW: unique symbol = Symbol.for('tollgate.verifyNow') as never;

/**
 * Creates a verifier. Create it once at start-up and share it: it owns the
 * key caches, the HTTP agent and the counters. Throws `ConfigError`
 * synchronously when the options cannot work.
 *
 * @example
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'orders', algorithms: ['RS256'] });
 * await verifier.ready();
 * const { claims } = await verifier.verify(token);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return new TollgateVerifier(options);
}

class TollgateVerifier implements Verifier {
  private readonly events = new EventHub();
  private readonly recorder = new StatsRecorder();
  /** The built-in fetcher, closed by `close()`; `null` when `jwks.fetcher` supplies one. */
  private readonly ownFetcher: OwnedJsonFetcher | null;
  private readonly issuers: readonly Issuer[];
  private readonly byIssuer: ReadonlyMap<string, Issuer>;
  /** The trusted issuer when there is exactly one. */
  private readonly onlyIssuer: Issuer | null;
  private readonly sources: readonly RemoteJwksSource[];
  private readonly cache: TokenCache | null;
  private readonly clock: () => number;
  private readonly maxTokenBytes: number;
  private readonly revocation: RevocationCheck | null;
  private readonly headers = new HeaderMemo();
  private readonly description: VerifierDescription;
  private closed = false;

  constructor(options: VerifierOptions) {
    const resolved = resolveOptions(options);
    this.clock = resolved.clock;
    this.maxTokenBytes = resolved.maxTokenBytes;
    this.revocation = resolved.revocation;
    this.ownFetcher = resolved.jwks.fetcher === undefined ? createHttpFetcher(resolved.jwks) : null;
    const shared = new Map<string, RemoteJwksSource>();
    const deps = {
      fetcher: resolved.jwks.fetcher ?? (this.ownFetcher as OwnedJsonFetcher),
      clock: this.clock,
      events: this.events,
      stats: this.recorder,
    };
    this.issuers = resolved.issuers.map((config) => {
      let jwks: RemoteJwksSource | null = null;
      if (config.keys !== null) {
        // Issuers that share a JWKS share one source: one cache, one fetch.
        const id = 'jwksUri' in config.keys ? `jwks ${config.keys.jwksUri}` : `discover ${config.keys.discover}`;
        jwks = shared.get(id) ?? new RemoteJwksSource(config.keys, resolved.jwks, deps);
        shared.set(id, jwks);
      }
      const secrets =
        config.hs256 === null ? null : new SecretKeySource(config.hs256.secrets, config.hs256.notAfterMs, this.clock);
      return { config, jwks, secrets };
    });
    this.sources = [...shared.values()];
    this.onlyIssuer = this.issuers.length === 1 ? this.issuers[0]! : null;
    this.byIssuer = new Map(
      this.issuers.filter((t) => t.config.issuer !== undefined).map((t) => [t.config.issuer as string, t]),
    );
    this.cache = resolved.tokenCache === null ? null : new TokenCache(resolved.tokenCache.maxEntries);
    this.description = Object.freeze({
      resource: resolved.resource,
      authorizationServers: Object.freeze(
        resolved.issuers.flatMap((entry) => (entry.issuer === undefined ? [] : [entry.issuer])),
      ),
    });
    // Key-source trouble reaches the operator once per URL and interval, never per request.
    if (resolved.logger !== null) attachOperatorLog(this.events, resolved.logger, { clock: this.clock });
  }

  async verify<C extends JwtClaims = JwtClaims>(token: string, options?: VerifyCallOptions): Promise<VerifiedToken<C>> {
    return this[VERIFY_NOW](token, options?.signal) as MaybePromise<VerifiedToken<C>>;
  }

  /** `verify` without a promise when nothing needs waiting for; what the request gate calls. */
  [VERIFY_NOW](token: string, signal?: AbortSignal): MaybePromise<VerifiedToken> {
    let outcome: MaybePromise<VerifiedToken>;
    try {
      if (this.closed)
        throw new KeysUnavailableError('ERR_VERIFIER_CLOSED', 'The verifier was closed; create a new one.');
      outcome = this.run(token, signal);
    } catch (error) {
      throw this.refused(token, error);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => this.accepted(result),
        (error: unknown) => {
          throw this.refused(token, error);
        },
      );
    }
    return this.accepted(outcome);
  }

  now(): number {
    return this.clock();
  }

  describe(): VerifierDescription {
    return this.description;
  }

  /**
   * The pipeline: decode, pick the issuer and its key source, ask the source for keys, check the
   * signature, apply the claim policy and the custom check, remember the result. A cached token
   * skips decoding and the signature check only: its key must still be one the source offers now.
   */
  private run(token: string, signal: AbortSignal | undefined): MaybePromise<VerifiedToken> {
    const entry = this.cache?.get(token, this.clock());
    if (entry === undefined) return this.verifyFresh(token, signal);
    const { alg, kid } = entry.result;
    const keys = entry.source.keysFor(alg, kid, signal);
    return keys instanceof Promise
      ? keys.then((ready) => this.serveCached(token, signal, entry, ready))
      : this.serveCached(token, signal, entry, keys);
  }

  private serveCached(
    token: string,
    signal: AbortSignal | undefined,
    entry: CachedVerification,
    keys: readonly VerificationKey[],
  ): MaybePromise<VerifiedToken> {
    // The key left the key set since: verify from scratch, which refuses the token unless another key signed it.
    if (!keys.includes(entry.key)) return this.verifyFresh(token, signal);
    const pending = this.checkPolicy(entry.issuer, entry.result);
    if (pending === undefined) return this.hit(entry);
    return pending.then(() => this.hit(entry));
  }

  private hit(entry: CachedVerification): VerifiedToken {
    this.recorder.tokenCacheHits++;
    return TokenCache.hitResult(entry);
  }

  private verifyFresh(token: string, signal: AbortSignal | undefined): MaybePromise<VerifiedToken> {
    const decoded = decodeCompactJws(token, this.maxTokenBytes, this.headers);
    const { header, payload } = decoded;
    const issuer = this.selectIssuer(payload);
    const alg = header.alg;
    if (!isSupportedAlgorithm(alg) || !issuer.config.algorithms.has(alg)) {
      throw new AlgorithmError(
        'ERR_ALG_NOT_ALLOWED',
        `Token algorithm ${JSON.stringify(alg.slice(0, 20))} is not allowed for this issuer.`,
      );
    }
    // The alg alone picks the key kind: HS256 only ever meets secrets, asymmetric algs only JWKS keys.
    const source: KeySource | null = alg === 'HS256' ? issuer.secrets : issuer.jwks;
    if (source === null) throw new AlgorithmError('ERR_ALG_NOT_ALLOWED', `No keys are configured for ${alg}.`);
    const keys = source.keysFor(alg, header.kid, signal);
    return keys instanceof Promise
      ? keys.then((candidates) => this.checkFresh(token, decoded, alg, issuer.config, source, candidates))
      : this.checkFresh(token, decoded, alg, issuer.config, source, keys);
  }

  /** The signature against the candidate keys, then the claim policy; the result is cached when the cache admits it. */
  private checkFresh(
    token: string,
    { header, payload, signingInput, signature }: DecodedJws,
    alg: Algorithm,
    issuer: ResolvedIssuer,
    source: KeySource,
    candidates: readonly VerificationKey[],
  ): MaybePromise<VerifiedToken> {
    let key: VerificationKey | undefined;
    for (let i = 0; i < candidates.length; i++) {
      if (candidates[i]!.verify(alg, signingInput, signature)) {
        key = candidates[i];
        break;
      }
    }
    if (key === undefined)
      throw new TokenError(
        'ERR_TOKEN_SIGNATURE_INVALID',
        'Token signature does not verify; the token was altered or signed by another key.',
      );
    const result: VerifiedToken = Object.freeze({
      claims: deepFreeze(payload),
      header,
      alg,
      kid: header.kid,
      keySource: key.source,
      issuer: issuer.id,
      cached: false,
    });
    const pending = this.checkPolicy(issuer, result);
    if (pending === undefined) return this.remember(token, result, key, source, issuer);
    const verifiedBy = key;
    return pending.then(() => this.remember(token, result, verifiedBy, source, issuer));
  }

  private remember(
    token: string,
    result: VerifiedToken,
    key: VerificationKey,
    source: KeySource,
    issuer: ResolvedIssuer,
  ): VerifiedToken {
    const cache = this.cache;
    if (cache !== null && cache.admits(token)) {
      const exp = result.claims.exp;
      cache.set({
        // A copy, made here: V8 decides per allocation site whether new objects start in the old
        // generation ("pretenuring"). Results kept for minutes from checkFresh's site would make every
        // later result there start old too, though most die young; in test/bench that cost a cache-on
        // HS256 miss about 2 µs (7.0 against 5.1 µs per verification) in half the runs.
        token,
        result: Object.freeze({ ...result }),
        key,
        source,
        issuer,
        expMs: typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY,
      });
    }
    return result;
  }

  /**
   * The claim policy (time rules re-applied on every hit) and the revocation check; then the
   * custom check, whose promise is returned. `undefined` when there is nothing to wait for.
   */
  private checkPolicy(issuer: ResolvedIssuer, result: VerifiedToken): Promise<void> | undefined {
    const { policy } = issuer;
    const now = this.clock();
    checkClaims(result.header, result.claims, policy, now / 1000);
    const revoked = this.revocation?.revoked(result.claims, now);
    if (revoked !== undefined) throw revokedError(revoked);
    if (policy.checkClaims === undefined) return undefined;
    return customCheck(policy.checkClaims, result);
  }

  private selectIssuer(payload: JwtClaims): Issuer {
    const only = this.onlyIssuer;
    // One issuer: a string comparison instead of hashing the token's `iss` for a map lookup.
    if (only !== null && (only.config.issuer === undefined || payload.iss === only.config.issuer)) return only;
    const issuer = only === null && typeof payload.iss === 'string' ? this.byIssuer.get(payload.iss) : undefined;
    if (issuer === undefined) {
      // Refused before any key lookup: an unknown issuer never causes a network request.
      throw new ClaimError('ERR_CLAIM_MISMATCH', 'Token "iss" is not a trusted issuer.', {
        claim: 'iss',
        reason: payload.iss === undefined ? 'missing' : 'mismatch',
      });
    }
    return issuer;
  }

  private accepted(result: VerifiedToken): VerifiedToken {
    const stats = this.recorder;
    stats.accepted++;
    stats.acceptedByAlg[result.alg] = (stats.acceptedByAlg[result.alg] ?? 0) + 1;
    if (result.keySource === 'secret') {
      stats.hs256Accepted++;
      stats.hs256LastAcceptedAt = this.clock();
    }
    if (this.events.has('verify')) {
      this.events.emit('verify', {
        outcome: 'accepted',
        alg: result.alg,
        source: result.keySource,
        issuer: result.issuer,
        cached: result.cached,
      });
    }
    return result;
  }

  private refused(token: string, error: unknown): AnyTollgateError {
    // A refused token has no business in the cache, whatever refused it.
    this.cache?.delete(token);
    const known: AnyTollgateError = isTollgateError(error)
      ? error
      : new TokenError('ERR_TOKEN_MALFORMED', 'Token could not be processed.', { cause: error });
    this.recorder.refused++;
    this.recorder.refusedByCode[known.code] = (this.recorder.refusedByCode[known.code] ?? 0) + 1;
    if (this.events.has('verify')) this.events.emit('verify', { outcome: 'refused', code: known.code, cached: false });
    return known;
  }

  async ready(options?: VerifyCallOptions): Promise<void> {
    await Promise.all(this.sources.map((source) => source.warm(options?.signal)));
  }

  health(): VerifierHealth {
    const sources = this.sources.map((source) => source.state());
    const revocation = this.revocation?.state?.();
    const stale = sources.some((s) => s.status === 'stale') || revocation?.status === 'degraded';
    const status = sources.some((s) => s.status === 'empty') ? 'unavailable' : stale ? 'stale' : 'ready';
    return revocation === undefined ? { status, sources } : { status, sources, revocation };
  }

  stats(): VerifierStats {
    return this.recorder.snapshot(this.cache?.size ?? null);
  }

  on<E extends VerifierEventName>(event: E, listener: VerifierListener<E>): () => void {
    return this.events.on(event, listener);
  }

  off<E extends VerifierEventName>(event: E, listener: VerifierListener<E>): void {
    this.events.off(event, listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache?.clear();
    await this.ownFetcher?.close();
  }
}

/** One trusted issuer with its key sources. */
interface Issuer {
  readonly config: ResolvedIssuer;
  readonly jwks: RemoteJwksSource | null;
  readonly secrets: SecretKeySource | null;
}

async function customCheck(check: ClaimCheck, result: VerifiedToken): Promise<void> {
  try {
    await check(result.claims, result.header);
  } catch (error) {
    if (isTollgateError(error)) throw error;
    throw new ClaimError('ERR_CLAIM_CHECK_FAILED', 'Token failed a custom claim check.', {
      claim: '*',
      reason: 'check-failed',
      cause: error,
    });
  }
}
