// @ts-check
// Prometheus metrics for a tollgate verifier. Copy this file into your service: it depends only on
// prom-client and the verifier's public API (events for what happens, health() for the state now).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const STATUSES = /** @type {const} */ (['ready', 'stale', 'unavailable']);

/**
 * Registers tollgate metrics for `verifier` in `registry`:
 *
 * - `tollgate_verifications_total{outcome, code, alg}`: every verification; `code` is the error code of a refusal.
 * - `tollgate_hs256_accepted_total`: HS256 tokens accepted with a migration secret. When it stops growing, HS256 can be switched off.
 * - `tollgate_hs256_last_accepted_timestamp_seconds`: when the last one was accepted.
 * - `tollgate_jwks_fetches_total{kind, outcome}` and `tollgate_jwks_fetch_duration_seconds{kind}`: discovery and JWKS requests.
 * - `tollgate_jwks_keys_changed_total{change}`: keys added to / removed from the cache (rotation shows as one of each).
 * - `tollgate_jwks_stale_total`: refreshes that failed while the last good key set kept serving.
 * - `tollgate_jwks_keys{jwks_uri}` and `tollgate_keys_status{status}`: cached keys and the verifier's health right now.
 *
 * Listening to the verifier's events costs a little per verification; without listeners it costs nothing.
 *
 * @param {import('@tollgate/core').Verifier} verifier
 * @param {Registry} [registry] default: a new registry
 * @returns {{ registry: Registry, stop: () => void }} `stop()` removes the event listeners
 */
export function registerTollgateMetrics(verifier, registry = new Registry()) {
  const registers = [registry];
  const verifications = new Counter({
    name: 'tollgate_verifications_total',
    help: 'Token verifications by outcome, error code (refusals) and algorithm (acceptances).',
    labelNames: /** @type {const} */ (['outcome', 'code', 'alg']),
    registers,
  });
  const hs256Accepted = new Counter({
    name: 'tollgate_hs256_accepted_total',
    help: 'HS256 tokens accepted with a migration secret; when it stops growing, HS256 can be switched off.',
    registers,
  });
  const fetches = new Counter({
    name: 'tollgate_jwks_fetches_total',
    help: 'Discovery and JWKS requests by outcome (updated, not-modified, error).',
    labelNames: /** @type {const} */ (['kind', 'outcome']),
    registers,
  });
  const fetchSeconds = new Histogram({
    name: 'tollgate_jwks_fetch_duration_seconds',
    help: 'Duration of discovery and JWKS requests.',
    labelNames: /** @type {const} */ (['kind']),
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const keyChanges = new Counter({
    name: 'tollgate_jwks_keys_changed_total',
    help: 'Keys added to or removed from the cached key sets.',
    labelNames: /** @type {const} */ (['change']),
    registers,
  });
  const stale = new Counter({
    name: 'tollgate_jwks_stale_total',
    help: 'Key set refreshes that failed while the last good key set kept serving (stale-if-error).',
    registers,
  });
  new Gauge({
    name: 'tollgate_hs256_last_accepted_timestamp_seconds',
    help: 'When the last HS256 token was accepted (0 until one is).',
    registers,
    collect() {
      const at = verifier.stats().hs256.lastAcceptedAt;
      if (at !== null) this.set(at / 1000);
    },
  });
  new Gauge({
    name: 'tollgate_jwks_keys',
    help: 'Usable keys cached per JWKS URL.',
    labelNames: /** @type {const} */ (['jwks_uri']),
    registers,
    collect() {
      for (const source of verifier.health().sources)
        this.set({ jwks_uri: source.jwksUri ?? source.issuer ?? 'unknown' }, source.keys);
    },
  });
  new Gauge({
    name: 'tollgate_keys_status',
    help: "1 for the verifier's key status: ready, stale (serving the last good keys while refreshes fail) or unavailable.",
    labelNames: /** @type {const} */ (['status']),
    registers,
    collect() {
      const { status } = verifier.health();
      for (const candidate of STATUSES) this.set({ status: candidate }, candidate === status ? 1 : 0);
    },
  });

  const listeners = [
    verifier.on('verify', (event) => {
      verifications.inc({ outcome: event.outcome, code: event.code ?? '', alg: event.alg ?? '' });
      if (event.outcome === 'accepted' && event.source === 'secret') hs256Accepted.inc();
    }),
    verifier.on('fetch', (event) => {
      fetches.inc({ kind: event.kind, outcome: event.outcome });
      fetchSeconds.observe({ kind: event.kind }, event.durationMs / 1000);
    }),
    verifier.on('keys:added', (event) => keyChanges.inc({ change: 'added' }, event.kids.length)),
    verifier.on('keys:removed', (event) => keyChanges.inc({ change: 'removed' }, event.kids.length)),
    verifier.on('jwks:stale', () => stale.inc()),
  ];
  return { registry, stop: () => listeners.forEach((off) => off()) };
}
