// What 1000 verifiers ask of one JWKS endpoint over 30 simulated days with a rotation every 7:
// the steady request rate, the refetches a rotation causes, and whether refresh-ahead makes the
// fleet refresh in herds. The simulation itself is described in ./simulation/jwks-fleet.ts.
// Runs with `pnpm test:reliability`; prints its figures, and with RELIABILITY_RECORD=1 records
// them in RESULTS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulateJwksFleet, SIMULATION_DEFAULTS, type SimulationReport } from './simulation/jwks-fleet.js';
import { recordSection } from './support/results.js';

/** The busiest minute of refreshes may reach this multiple of the mean minute (chance alone gives about 2 over a month of minutes). */
const HERD_FACTOR_BOUND = 3;

function render(r: SimulationReport): string {
  const { verifiers, days, rotationEveryDays, graceDays, maxAgeSec, requestEveryMin } = r.options;
  const f1 = (n: number) => n.toFixed(1);
  const rotation = r.rotations.map(
    (x) =>
      `day ${x.atDay}: ${x.unknownKid} unknown-kid refetches (at most ${x.unknownKidPerVerifierMax} per verifier), ${f1(x.hourPerVerifierMean)} requests per verifier in the hour after (at most ${x.hourPerVerifierMax})`,
  );
  return `## JWKS load of a simulated fleet

\`pnpm test:reliability\` (\`test/reliability/jwks-fleet-simulation.test.ts\`), Node ${process.version}, load average ${loadavg().map(f1).join(' / ')}: ${verifiers} verifiers (\`createVerifier\`, default JWKS options, token cache on) on one injected clock, one in-process JWKS endpoint (\`max-age=${maxAgeSec}\`, ETag), each verifier verifying the current token every ${requestEveryMin} simulated minutes, ${days} days, a rotation every ${rotationEveryDays} days (new kid published and used at once; old kid removed ${graceDays} days later), all verifiers started together. ${r.verifications.toLocaleString('en')} verifications (${r.skipped.toLocaleString('en')} of them skipped as unable to fetch), ${r.refused} refused, ${(r.wallMs / 1000).toFixed(1)} s.

| figure | value |
| --- | ---: |
| JWKS requests in all | ${r.fetches.total.toLocaleString('en')} (${r.fetches.notModified.toLocaleString('en')} answered 304) |
| steady requests per hour (refresh-ahead) | ${f1(r.refreshesPerHour)} |
| verifiers ÷ max-age | ${f1(r.perMaxAge)} per hour (the steady rate is ${(r.refreshesPerHour / r.perMaxAge).toFixed(2)} × this; refresh-ahead at 80 % of max-age, less 0–20 %, predicts ${f1(r.expectedRefreshesPerHour)}) |
| unknown-kid refetches per rotation | ${r.rotations.map((x) => x.unknownKid).join(' / ')} (at most ${Math.max(...r.rotations.map((x) => x.unknownKidPerVerifierMax))} per verifier) |
| busiest minute of refreshes | ${r.refreshPerMinute.max} (mean ${f1(r.refreshPerMinute.mean)}: ${(r.refreshPerMinute.max / r.refreshPerMinute.mean).toFixed(1)} ×) |
| busiest minute of all requests | ${r.allPerMinute.max} (the unknown-kid refetches right after a rotation) |

${rotation.map((line) => `- ${line}`).join('\n')}
`;
}

describe('JWKS load of a fleet of 1000 verifiers over 30 simulated days', () => {
  it('refreshes at the rate max-age and refresh-ahead predict, refetches once per verifier per rotation, and never in herds', async () => {
    const report = await simulateJwksFleet(SIMULATION_DEFAULTS);
    const markdown = render(report);
    console.log(`\n${markdown}`);
    const dir = fileURLToPath(new URL('.', import.meta.url));
    mkdirSync(`${dir}results`, { recursive: true });
    writeFileSync(`${dir}results/jwks-simulation.md`, markdown);

    const n = report.options.verifiers;
    // Every token was legitimate: nothing refused, and every verifier was exercised.
    expect({ refused: report.refused, codes: report.refusedCodes }).toEqual({ refused: 0, codes: {} });
    expect(report.fetches.start).toBe(n);
    // Steady rate: what refresh-ahead predicts within 5 %, which is N ÷ max-age times 1.2–1.5.
    expect(report.refreshesPerHour / report.expectedRefreshesPerHour).toBeGreaterThan(0.95);
    expect(report.refreshesPerHour / report.expectedRefreshesPerHour).toBeLessThan(1.05);
    expect(report.refreshesPerHour / report.perMaxAge).toBeGreaterThan(1.2);
    expect(report.refreshesPerHour / report.perMaxAge).toBeLessThan(1.5);
    // Each rotation: exactly one unknown-kid refetch per verifier (the cooldown allows no more),
    // and about one request per verifier on top of the steady ones in the hour after it.
    expect(report.rotations).toHaveLength(Math.ceil(report.options.days / report.options.rotationEveryDays) - 1);
    const steadyPerVerifierHour = report.refreshesPerHour / n;
    for (const rotation of report.rotations) {
      expect({ unknownKid: rotation.unknownKid, max: rotation.unknownKidPerVerifierMax }).toEqual({
        unknownKid: n,
        max: 1,
      });
      expect(rotation.hourPerVerifierMean - steadyPerVerifierHour).toBeLessThan(1.2);
      expect(rotation.hourPerVerifierMax).toBeLessThanOrEqual(3);
    }
    // No herd: the busiest minute of refreshes stays within a small factor of the mean minute.
    expect(report.refreshPerMinute.max / report.refreshPerMinute.mean).toBeLessThan(HERD_FACTOR_BOUND);
    if (process.env.RELIABILITY_RECORD === '1') recordSection('jwks-simulation', markdown);
  }, 240_000);
});
