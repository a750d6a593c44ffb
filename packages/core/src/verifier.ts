import { LRUCache } from 'lru-cache';
import type { Algorithm } from './algorithms.js';
import { isSupportedAlgorithm } from './algorithms.js';
import { checkClaims } from './claims.js';
import { decodeCompactJws, type DecodedJws, type JwtClaims, type ProtectedHeader } from './compact-jws.js';
import { AlgorithmError, ClaimError, KeysUnavailableError, TokenError, isTollgateError, type AnyTollgateError } from './errors.js';
import { EventHub, type VerifierEventName, type VerifierListener } from './events.js';
import { createHttpFetcher, type JsonFetcher } from './http-fetcher.js';
import type { KeySource } from './key-source.js';
import { attachOperatorLog } from './operator-log.js';
import type { VerifierOptions } from './options.js';
import { RemoteJwksSource, type JwksSourceState } from './remote-jwks.js';
import { resolveOptions, type ResolvedIssuer } from './resolve-options.js';
import { SecretKeySource } from './secret-key-source.js';
import { StatsRecorder, type VerifierStats } from './stats.js';
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
}

interface Tenant {
  readonly config: ResolvedIssuer;
  readonly jwks: RemoteJwksSource | null;
  readonly secrets: SecretKeySource | null;
}

interface CacheEntry {
  /** What a hit returns, built once. */
  readonly hit: VerifiedToken;
  readonly key: VerificationKey;
  readonly tenant: Tenant;
  readonly expMs: number;
}

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
  private readonly fetcher: JsonFetcher;
  private readonly tenants: readonly Tenant[];
  private readonly byIssuer: ReadonlyMap<string, Tenant>;
  private readonly sources: readonly RemoteJwksSource[];
  private readonly cache: LRUCache<string, CacheEntry> | null;
  private readonly clock: () => number;
  private readonly maxTokenBytes: number;
  private readonly headers = new Map<string, ProtectedHeader>();
  private closed = false;

  constructor(options: VerifierOptions) {
    const resolved = resolveOptions(options);
    this.clock = resolved.clock;
    this.maxTokenBytes = resolved.maxTokenBytes;
    this.fetcher = createHttpFetcher(resolved.jwks);
    const shared = new Map<string, RemoteJwksSource>();
    const deps = { fetcher: this.fetcher, clock: this.clock, events: this.events, stats: this.recorder };
    this.tenants = resolved.issuers.map((config) => {
      let jwks: RemoteJwksSource | null = null;
      if (config.keys !== null) {
        // Issuers that share a JWKS share one source: one cache, one fetch.
        const id = 'jwksUri' in config.keys ? `jwks ${config.keys.jwksUri}` : `discover ${config.keys.discover}`;
        jwks = shared.get(id) ?? new RemoteJwksSource(config.keys, resolved.jwks, deps);
        shared.set(id, jwks);
      }
      const secrets = config.hs256 === null ? null : new SecretKeySource(config.hs256.secrets, config.hs256.notAfterMs, this.clock);
      return { config, jwks, secrets };
    });
    this.sources = [...shared.values()];
    this.byIssuer = new Map(this.tenants.filter((t) => t.config.issuer !== undefined).map((t) => [t.config.issuer as string, t]));
    this.cache = resolved.tokenCache === null ? null : new LRUCache({ max: resolved.tokenCache.maxEntries });
    // Key-source trouble reaches the operator once per URL and interval, never per request.
    if (resolved.logger !== null) attachOperatorLog(this.events, resolved.logger, { clock: this.clock });
  }

  async verify<C extends JwtClaims = JwtClaims>(token: string, options?: VerifyCallOptions): Promise<VerifiedToken<C>> {
    try {
      if (this.closed) throw new KeysUnavailableError('ERR_VERIFIER_CLOSED', 'The verifier was closed; create a new one.');
      // The steps below return plain values when nothing needs waiting for (fresh keys, no custom
      // check), and promises otherwise: each await costs a turn of the microtask queue per request.
      let result = this.cache === null ? undefined : this.fromCache(token);
      if (result instanceof Promise) result = await result;
      if (result === undefined) {
        const fresh = this.verifyFresh(token, options?.signal);
        result = fresh instanceof Promise ? await fresh : fresh;
      }
      this.accepted(result);
      return result as VerifiedToken<C>;
    } catch (error) {
      throw this.refused(error);
    }
  }

  private fromCache(token: string): VerifiedToken | undefined | Promise<VerifiedToken | undefined> {
    const cache = this.cache as LRUCache<string, CacheEntry>;
    const entry = cache.get(token);
    if (entry === undefined) return undefined;
    const now = this.clock();
    const source: KeySource | null = entry.key.source === 'jwks' ? entry.tenant.jwks : entry.tenant.secrets;
    if (now >= entry.expMs || source === null || !source.hasKey(entry.key)) {
      cache.delete(token);
      return undefined;
    }
    // Time-based rules (nbf, max age) and the HS256 end date still apply on a hit.
    if (entry.key.source === 'secret') (source as SecretKeySource).checkOpen();
    const { claims, header } = entry.hit;
    checkClaims(header, claims, entry.tenant.config.policy, now / 1000);
    if (entry.tenant.config.policy.checkClaims === undefined) {
      this.recorder.tokenCacheHits++;
      return entry.hit;
    }
    return this.customCheck(entry.tenant, claims, header).then(() => {
      this.recorder.tokenCacheHits++;
      return entry.hit;
    });
  }

  private verifyFresh(token: string, signal: AbortSignal | undefined): VerifiedToken | Promise<VerifiedToken> {
    const decoded = decodeCompactJws(token, this.maxTokenBytes, this.headers);
    const tenant = this.selectTenant(decoded.payload);
    const alg = decoded.header.alg;
    if (!isSupportedAlgorithm(alg) || !tenant.config.algorithms.has(alg)) {
      throw new AlgorithmError('ERR_ALG_NOT_ALLOWED', `Token algorithm ${JSON.stringify(alg.slice(0, 20))} is not allowed for this issuer.`);
    }
    // The alg alone picks the key kind: HS256 only ever meets secrets, asymmetric algs only JWKS keys.
    const source: KeySource | null = alg === 'HS256' ? tenant.secrets : tenant.jwks;
    if (source === null) throw new AlgorithmError('ERR_ALG_NOT_ALLOWED', `No keys are configured for ${alg}.`);
    const candidates = source.keysNow(alg, decoded.header.kid);
    if (candidates !== undefined) return this.checkAndStore(token, decoded, tenant, alg, candidates);
    return source.getKeys(alg, decoded.header.kid, signal).then((keys) => this.checkAndStore(token, decoded, tenant, alg, keys));
  }

  private checkAndStore(token: string, decoded: DecodedJws, tenant: Tenant, alg: Algorithm, candidates: readonly VerificationKey[]): VerifiedToken | Promise<VerifiedToken> {
    const { header, payload, signingInput, signature } = decoded;
    let key: VerificationKey | undefined;
    for (const candidate of candidates) {
      if (candidate.verify(alg, signingInput, signature)) {
        key = candidate;
        break;
      }
    }
    if (key === undefined) throw new TokenError('ERR_TOKEN_SIGNATURE_INVALID', 'Token signature does not verify; the token was altered or signed by another key.');
    checkClaims(header, payload, tenant.config.policy, this.clock() / 1000);
    const verified = key;
    const store = (): VerifiedToken => {
      const result: VerifiedToken = { claims: payload, header, alg, kid: header.kid, keySource: verified.source, issuer: tenant.config.id, cached: false };
      if (this.cache !== null) {
        const expMs = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
        this.cache.set(token, { hit: { ...result, cached: true }, key: verified, tenant, expMs });
      }
      return result;
    };
    if (tenant.config.policy.checkClaims === undefined) return store();
    return this.customCheck(tenant, payload, header).then(store);
  }

  private selectTenant(payload: JwtClaims): Tenant {
    if (this.tenants.length === 1 && this.tenants[0]!.config.issuer === undefined) return this.tenants[0]!;
    const tenant = typeof payload.iss === 'string' ? this.byIssuer.get(payload.iss) : undefined;
    if (tenant === undefined) {
      // Refused before any key lookup: an unknown issuer never causes a network request.
      throw new ClaimError('ERR_CLAIM_MISMATCH', 'Token "iss" is not a trusted issuer.', { claim: 'iss', reason: payload.iss === undefined ? 'missing' : 'mismatch' });
    }
    return tenant;
  }

  private async customCheck(tenant: Tenant, claims: JwtClaims, header: ProtectedHeader): Promise<void> {
    const check = tenant.config.policy.checkClaims;
    if (check === undefined) return;
    try {
      await check(claims, header);
    } catch (error) {
      if (isTollgateError(error)) throw error;
      throw new ClaimError('ERR_CLAIM_CHECK_FAILED', 'Token failed a custom claim check.', { claim: '*', reason: 'check-failed', cause: error });
    }
  }

  private accepted(result: VerifiedToken): void {
    const stats = this.recorder;
    stats.accepted++;
    stats.acceptedByAlg[result.alg] = (stats.acceptedByAlg[result.alg] ?? 0) + 1;
    if (result.keySource === 'secret') {
      stats.hs256Accepted++;
      stats.hs256LastAcceptedAt = this.clock();
    }
    if (this.events.has('verify')) {
      this.events.emit('verify', { outcome: 'accepted', alg: result.alg, source: result.keySource, issuer: result.issuer, cached: result.cached });
    }
  }

  private refused(error: unknown): AnyTollgateError {
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
    const status = sources.some((s) => s.status === 'empty') ? 'unavailable' : sources.some((s) => s.status === 'stale') ? 'stale' : 'ready';
    return { status, sources };
  }

  stats(): VerifierStats {
    return this.recorder.snapshot(this.cache === null ? null : this.cache.size);
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
    await this.fetcher.close();
  }
}
