// Scenario 5 — issuer restart with the file key store, under load.
//
// The issuer keeps its keys in a temporary directory (`keyDir`). The services keep keys fresh
// for 2 s only, so after the restart they must refetch the JWKS from the new process: if that
// process had made a new key instead of loading the old one, the old kid would vanish from the
// JWKS and every token issued before the restart would be refused. Timeline (ms of load):
//   0–4 000       tokens from the first issuer process.
//   4 000         close() the issuer (connection refused; the services serve their last keys).
//   5 000         createIssuer({ keyDir, port: same }): a new process on the same port.
//   5 000–12 000  tokens from before the restart (kind `pre-restart`) and from after it.
//   then          three cold services (fresh verifiers that never saw the first process) get
//                 3 s of pre-restart tokens: the restarted issuer's JWKS alone must verify them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifierOptions } from '@tollgate/core';
import { startIssuer } from '../../support/issuer.js';
import type { Sample, Shot } from '../support/load.js';
import { summarize } from '../support/metrics.js';
import { startServices, traceFailures } from '../support/services.js';
import type { TokenPool } from '../support/tokens.js';
import { mintLegit } from '../support/tokens.js';
import { jwksRequests, legit, relisten, Scope, until, type ScenarioReport } from './common.js';

const CLOSE_AT = 4_000;
const RESTART_AT = 5_000;
const DURATION_MS = 12_000;
const COLD_DURATION_MS = 3_000;

export interface RestartReport extends ScenarioReport {
  readonly kidBefore: string;
  readonly kidAfter: string;
  /** Kids the restarted issuer publishes. */
  readonly publishedAfter: readonly string[];
  /** JWKS fetches each running service made from the restarted issuer. */
  readonly refetchesAfterRestart: readonly number[];
  /** Tokens minted before the restart and accepted after it (running and cold services). */
  readonly preRestartAcceptedAfterRestart: number;
  readonly coldServiceRequests: number;
}

export async function runRestart(): Promise<RestartReport> {
  const scope = new Scope();
  try {
    const keyDir = scope.add(await mkdtemp(join(tmpdir(), 'tollgate-reliability-keys-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const settings = { keyDir, jwksMaxAgeSec: 2 } as const;
    const first = scope.add(await startIssuer(settings), (i) => i.close());
    const options: VerifierOptions = {
      issuer: first.issuerUrl,
      audience: first.audience,
      algorithms: ['RS256'],
      jwks: {
        minMaxAgeSec: 2,
        maxMaxAgeSec: 2,
        refreshAheadRatio: 0.5,
        cooldownMs: 500,
        retryBaseMs: 200,
        retryMaxMs: 1_000,
        connectTimeoutMs: 1_000,
        headersTimeoutMs: 1_000,
        bodyTimeoutMs: 1_000,
      },
    };
    const services = scope.add(await startServices(options), (s) => s.close());
    await services.warm();
    first.issuer.resetStats();
    const before = scope.pool(() => mintLegit(first.issuer), { size: 32 });
    await before.start();
    let after: TokenPool | undefined = undefined; // set once the new process signs
    let turn = 0;
    const next = (): Shot | undefined =>
      after !== undefined && turn++ % 2 === 0 ? legit(after, 'post-restart') : legit(before, 'pre-restart');
    const load = scope.load(services.list, DURATION_MS, next);

    await until(load, CLOSE_AT);
    await before.stop();
    const firstJwks = jwksRequests(first.issuer);
    const port = first.issuer.port;
    await first.close();
    const fetchesAtClose = services.list.map((s) => s.verifier.stats().jwks.fetches);
    await until(load, RESTART_AT);
    const second = scope.add(await relisten(() => startIssuer({ ...settings, port })), (i) => i.close());
    const restartedAt = load.elapsed();
    const afterPool = scope.pool(() => mintLegit(second.issuer), { maxAgeMs: 1_500 });
    await afterPool.start();
    after = afterPool;
    const result = await load.done;
    await afterPool.stop();
    const refetchesAfterRestart = services.list.map(
      (s, i) => s.verifier.stats().jwks.fetches - (fetchesAtClose[i] ?? 0),
    );

    // Verifiers that never met the first process.
    const cold = scope.add(await startServices(options), (s) => s.close());
    await cold.warm();
    const coldLoad = scope.load(cold.list, COLD_DURATION_MS, () => legit(before, 'pre-restart-cold'));
    const coldSamples = (await coldLoad.done).samples;
    const samples: Sample[] = [...result.samples, ...coldSamples];

    const kidBefore = before.kids[0] ?? '';
    const kidAfter = afterPool.kids[0] ?? '';
    const publishedAfter = (await second.issuer.jwks()).keys.map((key) => key.kid);
    const jwks = firstJwks + jwksRequests(second.issuer);
    const preRestartAcceptedAfterRestart =
      result.samples.filter((s) => s.kind === 'pre-restart' && s.status === 200 && s.sentAt >= restartedAt).length +
      coldSamples.filter((s) => s.status === 200).length;
    const summary = summarize(samples);
    return {
      summary,
      trace: traceFailures([...services.list, ...cold.list], summary.examples, load.startedAt),
      jwksRequests: jwks,
      kidBefore,
      kidAfter,
      publishedAfter,
      refetchesAfterRestart,
      preRestartAcceptedAfterRestart,
      coldServiceRequests: coldSamples.length,
      note:
        `restarted on port ${port} with the file key store: signing kid ${kidBefore} → ${kidAfter}; ` +
        `running services refetched ${refetchesAfterRestart.join('/')} times from the new process; ` +
        `${preRestartAcceptedAfterRestart} pre-restart tokens accepted after the restart, ${coldSamples.length} of them by 3 cold services`,
    };
  } finally {
    await scope.close();
  }
}
