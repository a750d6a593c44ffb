// Scenario 1 — key rotation every few seconds under load.
//
// The issuer rotates lazily when a key reaches `keyMaxAgeMs` of *issuer* time; the suite moves
// the issuer's clock one key lifetime (1 h) every 2.5 s of wall time, so the next token minted
// is signed by a new key with a new kid. The services have never seen that kid: the first
// request carrying it makes each verifier refetch the JWKS once (then a 500 ms cooldown). Retired
// keys stay published for 4 h of issuer time (four rotations, 10 s of wall time), then leave the
// JWKS — as they would in production after a grace period. Requests only carry tokens minted
// within the last 1.5 s, so a token's key leaves the JWKS at least 8.5 s after the token was
// sent: only a request stuck that long could meet a removed key (and the client gives up at 10 s).
// That margin matters on a starved machine, where one RSA key generation has taken seconds.
import { startIssuer } from '../../support/issuer.js';
import { summarize } from '../support/metrics.js';
import { startServices, traceFailures } from '../support/services.js';
import { mintLegit } from '../support/tokens.js';
import { jwksRequests, legit, Scope, until, type ScenarioReport } from './common.js';

const HOUR = 3_600_000;
const DURATION_MS = 15_000;
const ROTATE_EVERY_MS = 2_500;

export interface RotationReport extends ScenarioReport {
  readonly rotations: number;
  /** Distinct signing kids minted for legitimate traffic (initial key + one per rotation). */
  readonly kids: readonly string[];
  /** Distinct kids of legitimate requests answered 200. */
  readonly acceptedKids: readonly string[];
  readonly services: number;
  /** Keys the verifiers dropped after the issuer stopped publishing them (summed over services). */
  readonly keysRemoved: number;
  /** Request slots left empty because no token minted within the last 1.5 s was at hand. */
  readonly skipped: number;
}

export async function runRotation(): Promise<RotationReport> {
  const scope = new Scope();
  try {
    const idp = scope.add(await startIssuer({ keyMaxAgeMs: HOUR, keyGraceMs: 4 * HOUR, jwksMaxAgeSec: 60 }), (i) =>
      i.close(),
    );
    const services = scope.add(
      await startServices({
        issuer: idp.issuerUrl,
        audience: idp.audience,
        algorithms: ['RS256'],
        // Generous fetch timeouts: each rotation makes the issuer generate an RSA key, and its JWKS
        // endpoint waits for the key ring meanwhile; on a starved 2-core machine that has taken
        // over 3 s (the default). A slow issuer is scenario 4's subject, not this one's.
        jwks: { cooldownMs: 500, headersTimeoutMs: 8_000, bodyTimeoutMs: 8_000 },
      }),
      (s) => s.close(),
    );
    await services.warm();
    idp.issuer.resetStats();
    const pool = scope.pool(() => mintLegit(idp.issuer), { maxAgeMs: 1_500 });
    await pool.start();
    const load = scope.load(services.list, DURATION_MS, () => legit(pool));
    const rotatedAt: number[] = [];
    for (let at = ROTATE_EVERY_MS; at <= DURATION_MS - ROTATE_EVERY_MS; at += ROTATE_EVERY_MS) {
      await until(load, at);
      idp.clock.advance(HOUR);
      rotatedAt.push(load.elapsed());
    }
    const rotations = rotatedAt.length;
    const result = await load.done;
    await pool.stop();
    const keysRemoved = services.list.reduce((sum, s) => sum + s.verifier.stats().jwks.keysRemoved, 0);
    const jwks = jwksRequests(idp.issuer);
    const summary = summarize(result.samples);
    return {
      summary,
      trace:
        traceFailures(services.list, summary.examples, load.startedAt) +
        `\nrotations at ${rotatedAt.map(Math.round).join(', ')} ms; kids ${pool.kids.join(', ')}`,
      jwksRequests: jwks,
      rotations,
      kids: pool.kids,
      acceptedKids: [
        ...new Set(result.samples.filter((s) => s.status === 200 && s.kid !== undefined).map((s) => s.kid as string)),
      ],
      services: services.list.length,
      keysRemoved,
      skipped: result.skipped,
      note:
        `${rotations} rotations (${pool.kids.length} signing keys) in ${DURATION_MS / 1000} s; ${jwks} JWKS requests for ${services.list.length} services; ` +
        `${keysRemoved} retired keys dropped by the verifiers after their grace period${result.skipped > 0 ? `; ${result.skipped} slots skipped (no token younger than 1.5 s)` : ''}`,
    };
  } finally {
    await scope.close();
  }
}
