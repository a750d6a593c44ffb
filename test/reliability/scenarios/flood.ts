// Scenario 6 — an attacker's flood mixed into the load.
//
// 40 % of the requests are hostile, cycling through: random kids (a fresh one each time, so
// each misses the key cache), a tampered payload under the real kid, a signature by the
// attacker's own key under the real kid, a flipped signature bit, `alg: none` in four casings,
// HS256 keyed with the issuer's public RSA key (key confusion; the services are in migration
// mode, so HS256 is allowed — with their secret only), ES256 claimed for the RSA kid, a 10 KB
// token (over the 8 KB token cap) and a 50 KB Authorization header (over Node's 16 KB header
// limit: Node answers 431 before any middleware runs), and random garbage.
// The other 60 % are legitimate RS256 and HS256 tokens. Every hostile request must get a clean
// 4xx; the random kids may cost each service at most one JWKS fetch per 1 s cooldown.
import { startIssuer } from '../../support/issuer.js';
import type { Sample } from '../support/load.js';
import { summarize } from '../support/metrics.js';
import { startServices, traceFailures } from '../support/services.js';
import { Attacker, mintLegit } from '../support/tokens.js';
import { HS256_SECRET, jwksRequests, legit, Scope, type ScenarioReport } from './common.js';

export const FLOOD_COOLDOWN_MS = 1_000;
export const FLOOD_DURATION_MS = 15_000;

export interface FloodReport extends ScenarioReport {
  readonly services: number;
  readonly hostile: number;
  readonly randomKids: number;
  /** Statuses hostile requests got, e.g. `{ 401: 1700, 431: 180 }`. */
  readonly hostileStatuses: Readonly<Record<number, number>>;
  /** Hostile requests not refused cleanly (first few): anything but 401, or for the 50 KB header 431 / a reset. */
  readonly unclean: readonly Sample[];
  readonly durationMs: number;
  readonly cooldownMs: number;
}

export async function runFlood(): Promise<FloodReport> {
  const scope = new Scope();
  try {
    const idp = scope.add(await startIssuer({ defaultTenant: { hs256Secret: HS256_SECRET }, jwksMaxAgeSec: 60 }), (i) =>
      i.close(),
    );
    const services = scope.add(
      await startServices({
        issuer: idp.issuerUrl,
        audience: idp.audience,
        algorithms: ['RS256', 'HS256'],
        hs256: { secrets: [HS256_SECRET] },
        jwks: { cooldownMs: FLOOD_COOLDOWN_MS },
      }),
      (s) => s.close(),
    );
    await services.warm();
    idp.issuer.resetStats();
    const rs256 = scope.pool(() => mintLegit(idp.issuer, { alg: 'RS256' }));
    const hs256 = scope.pool(() => mintLegit(idp.issuer, { alg: 'HS256' }));
    await rs256.start();
    await hs256.start();
    const attacker = await Attacker.against(idp.issuer);
    let turn = 0;
    const load = scope.load(services.list, FLOOD_DURATION_MS, () => {
      const slot = turn++ % 5;
      if (slot < 2) return attacker.next();
      return slot === 2 ? legit(hs256, 'legit-hs256') : legit(rs256, 'legit-rs256');
    });
    const result = await load.done;
    await Promise.all([rs256.stop(), hs256.stop()]);
    const hostile = result.samples.filter((s) => s.expect === 'refuse');
    const hostileStatuses: Record<number, number> = {};
    for (const s of hostile) hostileStatuses[s.status] = (hostileStatuses[s.status] ?? 0) + 1;
    const randomKids = hostile.filter((s) => s.kind === 'random-kid').length;
    const unclean = hostile.filter((s) => !isCleanRefusal(s));
    const jwks = jwksRequests(idp.issuer);
    const summary = summarize(result.samples);
    return {
      summary,
      trace: traceFailures(services.list, summary.examples, load.startedAt),
      jwksRequests: jwks,
      services: services.list.length,
      hostile: hostile.length,
      randomKids,
      hostileStatuses,
      unclean: unclean.slice(0, 5),
      durationMs: result.elapsedMs,
      cooldownMs: FLOOD_COOLDOWN_MS,
      note:
        `${hostile.length} hostile requests (${randomKids} random kids) answered ${Object.entries(hostileStatuses)
          .map(([status, n]) => `${n} × ${status}`)
          .join(', ')}; ` +
        `${jwks} JWKS requests for ${services.list.length} services in ${(result.elapsedMs / 1000).toFixed(0)} s (cooldown ${FLOOD_COOLDOWN_MS} ms; one fetch per unknown kid would have been ${randomKids})`,
    };
  } finally {
    await scope.close();
  }
}

/**
 * 401 from tollgate; for the 50 KB header, Node's own 431 — or a reset: Node closes the socket
 * right after the 431 while request bytes are still unread, and the kernel may then send RST,
 * which can reach the client before it has read the 431.
 */
function isCleanRefusal(sample: Sample): boolean {
  if (sample.status === 401) return true;
  if (sample.kind !== 'oversized-header') return false;
  return (
    sample.status === 431 ||
    (sample.status === 0 && ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(sample.code ?? ''))
  );
}
