// Scenario 1 — key rotation every few seconds under load.
//
// The issuer rotates lazily when a key reaches `keyMaxAgeMs` of *issuer* time; the suite moves
// the issuer's clock one key lifetime (1 h) every 2.5 s of wall time, so the next token minted
// is signed by a new key with a new kid. The services have never seen that kid: the first
// request carrying it makes each verifier refetch the JWKS once (then a 500 ms cooldown). Retired
// keys stay published for 1.5 h of issuer time (two rotations), longer than any pooled token is
// used, and then leave the JWKS — as they would in production with a grace period.
import { startIssuer } from '../../support/issuer.js';
import { startLoad } from '../support/load.js';
import { summarize } from '../support/metrics.js';
import { startServices } from '../support/services.js';
import { mintLegit, TokenPool } from '../support/tokens.js';
import { jwksRequests, legit, MAX_IN_FLIGHT, RATE_PER_SEC, until, type ScenarioReport } from './common.js';

const HOUR = 3_600_000;
const DURATION_MS = 15_000;
const ROTATE_EVERY_MS = 2_500;

export interface RotationReport extends ScenarioReport {
  readonly rotations: number;
  /** Distinct signing kids seen in legitimate traffic (initial key + one per rotation). */
  readonly kids: readonly string[];
  readonly services: number;
  /** Keys the verifiers dropped after the issuer stopped publishing them (summed over services). */
  readonly keysRemoved: number;
}

export async function runRotation(): Promise<RotationReport> {
  const idp = await startIssuer({ keyMaxAgeMs: HOUR, keyGraceMs: 1.5 * HOUR, jwksMaxAgeSec: 60 });
  try {
    const services = await startServices({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'], jwks: { cooldownMs: 500 } });
    try {
      await services.warm();
      idp.issuer.resetStats();
      const pool = new TokenPool(() => mintLegit(idp.issuer), { size: 16, refillMs: 100, maxAgeMs: 1_500 });
      await pool.start();
      const load = startLoad({ targets: services.list, ratePerSec: RATE_PER_SEC, maxInFlight: MAX_IN_FLIGHT, durationMs: DURATION_MS, next: () => legit(pool) });
      let rotations = 0;
      for (let at = ROTATE_EVERY_MS; at <= DURATION_MS - ROTATE_EVERY_MS; at += ROTATE_EVERY_MS) {
        await until(load, at);
        idp.clock.advance(HOUR);
        rotations++;
      }
      const result = await load.done;
      await pool.stop();
      const keysRemoved = services.list.reduce((sum, s) => sum + s.verifier.stats().jwks.keysRemoved, 0);
      const jwks = jwksRequests(idp.issuer);
      return {
        summary: summarize(result.samples),
        jwksRequests: jwks,
        rotations,
        kids: pool.kids,
        services: services.list.length,
        keysRemoved,
        note: `${rotations} rotations (${pool.kids.length} signing keys) in ${DURATION_MS / 1000} s; ${jwks} JWKS requests for ${services.list.length} services; ${keysRemoved} retired keys dropped by the verifiers`,
      };
    } finally {
      await services.close();
    }
  } finally {
    await idp.close();
  }
}
