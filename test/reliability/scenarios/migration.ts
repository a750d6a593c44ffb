// Scenario 2 — the HS256 → RS256 migration under load.
//
// The issuer starts as an HS256 tenant (one shared secret, an empty JWKS). The services run in
// migration mode: `algorithms: ['RS256', 'HS256']`, the secret, and an end date
// (`hs256.notAfter`) — the operator's switch-off, applied without a restart.
//   0–3 s        HS256 tokens only.
//   3 s          issuer.setAlgorithm('RS256'): a new RSA key is published, new tokens are RS256
//                with its kid (each service refetches the JWKS once on the first one); HS256
//                tokens already issued keep arriving, half of the traffic.
//   cutoff       HS256 end date. HS256 tokens are sent as legitimate only until 0.5 s before it,
//                and as must-refuse from 0.5 s after it (a request in flight across the
//                instant could go either way, so none is sent then).
//   cutoff + 4 s end. Then a redeployed service without migration settings (RS256 only) gets
//                2 s of the same mix: HS256 refused, RS256 accepted.
import { startIssuer } from '../../support/issuer.js';
import { startLoad, type Sample, type Shot } from '../support/load.js';
import { summarize } from '../support/metrics.js';
import { startServices, traceFailures } from '../support/services.js';
import { mintLegit } from '../support/tokens.js';
import { HS256_SECRET, jwksRequests, legit, Scope, until, type ScenarioReport } from './common.js';

const SWITCH_AT_MS = 3_000;
/** The end date is fixed before the services start; the load must begin at least this long before it. */
const MIN_LEAD_MS = 9_000;
const CUTOFF_FROM_NOW_MS = 14_000;
const QUIET_MS = 500;
const AFTER_CUTOFF_MS = 4_000;

export interface MigrationReport extends ScenarioReport {
  readonly hs256AcceptedBeforeCutoff: number;
  readonly rs256Accepted: number;
  readonly hs256RefusedAfterCutoff: number;
  /** Latest `stats().hs256.lastAcceptedAt` across services, ms after the cutoff (≤ 0 expected). */
  readonly lastHs256AfterCutoffMs: number;
  /** Codes the services refused HS256 with after the cutoff. */
  readonly refusalCodes: readonly string[];
}

export async function runMigration(): Promise<MigrationReport> {
  const scope = new Scope();
  try {
    const idp = scope.add(
      await startIssuer({ defaultTenant: { algorithm: 'HS256', hs256Secret: HS256_SECRET }, jwksMaxAgeSec: 60 }),
      (i) => i.close(),
    );
    const cutoff = Date.now() + CUTOFF_FROM_NOW_MS;
    const services = scope.add(
      await startServices({
        issuer: idp.issuerUrl,
        audience: idp.audience,
        algorithms: ['RS256', 'HS256'],
        hs256: { secrets: [HS256_SECRET], notAfter: cutoff },
        jwks: { cooldownMs: 500 },
      }),
      (s) => s.close(),
    );
    await services.warm();
    idp.issuer.resetStats();
    const hs256 = scope.pool(() => mintLegit(idp.issuer, { alg: 'HS256' }));
    await hs256.start();
    const rs256 = scope.pool(() => mintLegit(idp.issuer, { alg: 'RS256' }));
    let switched = false;

    const startedAt = Date.now();
    if (cutoff - startedAt < MIN_LEAD_MS)
      throw new Error(`services took too long to start: ${cutoff - startedAt} ms left before the HS256 cut-off`);
    const durationMs = cutoff - startedAt + AFTER_CUTOFF_MS;
    let flip = 0;
    const next = (): Shot | undefined => {
      const now = Date.now();
      const useHs256 = !switched || flip++ % 2 === 0;
      if (!useHs256) return legit(rs256, 'rs256');
      if (now < cutoff - QUIET_MS) return legit(hs256, 'hs256');
      if (now <= cutoff + QUIET_MS) return undefined;
      return { kind: 'hs256-after-cutoff', expect: 'refuse', authorization: `Bearer ${hs256.any()}` };
    };
    const load = scope.load(services.list, durationMs, next);
    await until(load, SWITCH_AT_MS);
    await idp.issuer.setAlgorithm('RS256');
    await hs256.stop(); // the issuer signs no more HS256; tokens already issued stay in use
    await rs256.start();
    switched = true;
    const result = await load.done;
    const jwks = jwksRequests(idp.issuer);
    const lastAccepted = Math.max(...services.list.map((s) => s.verifier.stats().hs256.lastAcceptedAt ?? 0));

    // The redeployed configuration: migration mode off.
    const after = scope.add(
      await startServices({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] }, ['express']),
      (s) => s.close(),
    );
    await after.warm();
    let turn = 0;
    const redeployed = scope.add(
      startLoad({
        targets: after.list,
        ratePerSec: 100,
        maxInFlight: 8,
        durationMs: 2_000,
        next: () =>
          turn++ % 2 === 0
            ? legit(rs256, 'rs256')
            : { kind: 'hs256-after-redeploy', expect: 'refuse', authorization: `Bearer ${hs256.any()}` },
      }),
      (l) => l.stop(),
    );
    const samples: Sample[] = [...result.samples, ...(await redeployed.done).samples];
    await rs256.stop();

    const summary = summarize(samples);
    const refusedHs256 = samples.filter((s) => s.kind.startsWith('hs256-after') && s.status !== 200);
    const count = (kind: string) => samples.filter((s) => s.kind === kind && s.status === 200).length;
    return {
      summary,
      trace: traceFailures(services.list, summary.examples, load.startedAt),
      jwksRequests: jwks,
      hs256AcceptedBeforeCutoff: count('hs256'),
      rs256Accepted: count('rs256'),
      hs256RefusedAfterCutoff: refusedHs256.length,
      lastHs256AfterCutoffMs: lastAccepted - cutoff,
      refusalCodes: [...new Set(refusedHs256.map((s) => `${s.status} ${s.code ?? ''}`.trim()))],
      note:
        `${count('hs256')} HS256 and ${count('rs256')} RS256 tokens accepted across the switch; ` +
        `${refusedHs256.length} HS256 tokens refused after the end date and after the redeploy (${[...new Set(refusedHs256.map((s) => s.code))].join(', ')})`,
    };
  } finally {
    await scope.close();
  }
}
