// Scenario 7 — a fleet on one Redis, under load: what every replica shares, and Redis restarted.
//
// Set-up: one real redis-server (append-only file, fsync on every write, so a restart keeps its
// data, as the README recommends). Two issuer replicas behind a round-robin load balancer (one
// public URL, the `iss` of every token) keep their keys in it (`RedisKeyStore`). The Express, Koa
// and NestJS services each have their own Redis connection, `RedisReplayStore` (DPoP in mode
// `allowed`, one public origin for all three, as behind one load balancer), and
// `RedisRevocationMirror`, and cache verified tokens (so revocation is proven on cache hits).
// The load mixes Bearer tokens (minted by both replicas), DPoP-bound tokens from the token
// endpoint with a fresh proof per request, and every token revoked so far (which must be refused).
//
// Timeline (ms of load):
//   from 1 000      replay probes, every 200 ms: a DPoP request accepted by one service is sent
//                   again, proof and all, to another service: it must be refused.
//   from 1 000      up to REVOCATIONS revocations, one after the other: a fresh token is accepted
//                   (and cached) by every service, revoked through one service's connection in
//                   turn, and each service is polled until it refuses it: the propagation time.
//   then (≥ 14 000) replica A rotates; replica B must serve the same JWKS and sign with the new key.
//   20 000          Redis is killed (SIGKILL). Bearer traffic must go on; DPoP requests may get 503
//                   ERR_REPLAY_STORE_UNAVAILABLE (fail closed); the mirrors serve the last list.
//   23 000          Redis restarts. At once, through a new connection, a token accepted before the
//                   outage is revoked: the mirrors, still reconnecting, must pick it up when they
//                   resynchronise. Requests captured before the outage are replayed: refused.
//   36 000          end.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RevocationState, VerifierOptions } from '@tollgate/core';
import { createDpopKey, type DpopKey, type Issuer } from '@tollgate/issuer';
import { RedisKeyStore, RedisReplayStore, RedisRevocationMirror, RedisRevocations } from '@tollgate/redis';
import { createClient } from 'redis';
import { Pool } from 'undici';
import { startIssuer, TEST_CLIENT, type TestIssuer } from '../../support/issuer.js';
import { startRedisServer } from '../../support/redis-server.js';
import { startBalancer } from '../support/balancer.js';
import type { Expectation, Sample, Shot } from '../support/load.js';
import { percentile, summarize } from '../support/metrics.js';
import {
  PROTECTED_PATH,
  SERVICE_NAMES,
  startServices,
  traceFailures,
  type Service,
  type ServiceName,
} from '../support/services.js';
import { headerOf, mintLegit } from '../support/tokens.js';
import { jwksRequests, legit, Scope, until, type ScenarioReport } from './common.js';

/** The origin clients call, the same for every replica (the `htu` of every proof). */
export const PUBLIC_ORIGIN = 'https://orders.fleet.example';
const PROBES_FROM = 1_000;
const PROBE_EVERY_MS = 200;
const REVOCATIONS = 100;
/** The propagation measurements stop here even if fewer than REVOCATIONS were made (a starved machine). */
const REVOCATIONS_UNTIL = 12_000;
/** Give up polling a service for a revocation after this long (then it counts as not propagated). */
const POLL_GIVE_UP_MS = 5_000;
const ROTATE_NOT_BEFORE = 14_000;
const KILL_AT = 20_000;
const RESTART_AT = 23_000;
const DURATION_MS = 36_000;
/** After Redis is back, DPoP requests may still get 503 until each service's connection is back: at most this long. */
export const DPOP_RECOVERY_BOUND_MS = 2_000;
/** A request sent this long before the kill may still be waiting on Redis when it dies, and get 503. */
const IN_FLIGHT_AT_KILL_MS = 1_000;

export interface FleetReport extends ScenarioReport {
  /** Keys the two replicas made between them when they started at the same time. */
  readonly keysAtStart: number;
  /** Revocation: `revoke()` called → a service refuses the token over HTTP (samples, p50, p99, max); → the mirror holds it (`mirror*`). */
  readonly propagation: {
    readonly revocations: number;
    readonly samples: readonly number[];
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly mirrorP50Ms: number;
    readonly mirrorP99Ms: number;
    readonly revokeCallP50Ms: number;
  };
  /** Latency of accepted DPoP requests (a replay check on Redis each) and of Bearer ones, ms. */
  readonly latency: {
    readonly dpopP50Ms: number;
    readonly dpopP99Ms: number;
    readonly bearerP50Ms: number;
    readonly bearerP99Ms: number;
  };
  /** `acceptedTwice`: replayed requests (probes and captured ones) answered 200. */
  readonly replay: {
    readonly probes: number;
    readonly refusedAtAnother: number;
    readonly acceptedTwice: number;
    readonly refusalCodes: readonly string[];
  };
  readonly rotation: {
    readonly rotatedKid: string;
    readonly sameJwks: boolean;
    readonly kidSignedByB: string;
    readonly acceptedWithRotatedKid: number;
  };
  readonly outage: {
    readonly killAt: number;
    readonly backAt: number;
    readonly bearerDuringOutage: number;
    readonly dpop503: number;
    /** 503s outside [kill − 1 s, back + DPOP_RECOVERY_BOUND_MS]. */
    readonly dpop503OutsideWindow: readonly Sample[];
    /** DPoP answers other than 200, or 503 + ERR_REPLAY_STORE_UNAVAILABLE + Retry-After. */
    readonly dpopUnexpected: readonly Sample[];
    readonly dpopAcceptedAfterRecovery: number;
    /** ms after Redis was back of the last DPoP 503. */
    readonly last503AfterBackMs: number;
    readonly revocationMidOutage: readonly (RevocationState | undefined)[];
  };
  readonly resync: {
    /** Mirror states when the revocation was written through the restarted server. */
    readonly mirrorsAtWrite: readonly string[];
    /** Per service: ms from that write until the service refused the token. */
    readonly refusedAfterMs: readonly number[];
    /** ms from Redis back until every mirror said `ok`. */
    readonly mirrorsOkAfterMs: number;
    readonly capturedReplays: number;
    readonly capturedReplaysRefused: number;
  };
}

function connect(url: string) {
  // Reconnect fast (50 ms doubling to 500 ms): how quickly DPoP recovers after Redis is back.
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) },
  }).on('error', () => {});
}

function claimsOf(token: string): { jti: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    jti: string;
    exp: number;
  };
}

async function dpopToken(issuer: Issuer, key: DpopKey): Promise<string> {
  const url = issuer.tokenEndpoint;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${TEST_CLIENT.id}:${TEST_CLIENT.secret}`).toString('base64')}`,
      dpop: key.proof({ method: 'POST', url }),
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json()) as { access_token?: string; token_type?: string };
  if (response.status !== 200 || body.token_type !== 'DPoP' || body.access_token === undefined)
    throw new Error(`token endpoint answered ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function runFleet(): Promise<FleetReport> {
  const scope = new Scope();
  try {
    const redis = scope.add(await startRedisServer({ persist: true }), (r) => r.close());
    const client = () => scope.add(connect(redis.url), (c) => Promise.resolve(c.isOpen && c.destroy())).connect();

    // Two issuer replicas behind one URL, started at the same time on one key store.
    const balancer = scope.add(await startBalancer(), (b) => b.close());
    const replicas: TestIssuer[] = await Promise.all(
      [0, 1].map(async () =>
        scope.add(
          await startIssuer({ publicUrl: balancer.url, keyStore: new RedisKeyStore({ client: await client() }) }),
          (i) => i.close(),
        ),
      ),
    );
    const [a, b] = replicas.map((r) => r.issuer) as [Issuer, Issuer];
    balancer.setTargets([a, b].map((i) => `http://127.0.0.1:${i.port}`));
    const direct = (issuer: Issuer) => `http://127.0.0.1:${issuer.port}${new URL(issuer.jwksUri).pathname}`;
    const jwksOf = async (issuer: Issuer) =>
      (await (await fetch(direct(issuer))).json()) as { keys: { kid: string }[] };
    const keysAtStart = (await jwksOf(a)).keys.length;

    // Each service: its own connection, replay store and mirror.
    const perService = new Map<ServiceName, { mirror: RedisRevocationMirror; replayStore: RedisReplayStore }>();
    for (const name of SERVICE_NAMES) {
      const connection = await client();
      const mirror = scope.add(new RedisRevocationMirror({ client: connection }), (m) => m.close());
      perService.set(name, { mirror, replayStore: new RedisReplayStore({ client: connection }) });
    }
    const mirrors = [...perService.values()].map((s) => s.mirror);
    await Promise.all(mirrors.map((m) => m.ready({ timeoutMs: 10_000 })));
    const base: VerifierOptions = {
      issuer: replicas[0]!.issuerUrl,
      audience: replicas[0]!.audience,
      algorithms: ['RS256'],
      tokenCache: true,
    };
    const services = scope.add(
      await startServices((name) => {
        const shared = perService.get(name)!;
        return {
          verifier: { ...base, revocation: shared.mirror },
          dpop: { mode: 'allowed', origin: PUBLIC_ORIGIN, replayStore: shared.replayStore },
        };
      }),
      (s) => s.close(),
    );
    await services.warm();
    const list = services.list;
    a.resetStats();
    b.resetStats();

    // Probe connections, apart from the load's.
    const pools = new Map(
      list.map((s) => [s.name, scope.add(new Pool(s.url, { connections: 4 }), (p) => p.destroy())]),
    );
    // Sample times are ms of load, like the load's own; the probes below start once it runs.
    const timeline = { elapsed: (): number => 0 };
    const extra: Sample[] = [];
    const hit = async (
      service: Service,
      authorization: string,
      dpop: string | undefined,
      kind: string,
      expect: Expectation,
    ): Promise<Sample> => {
      const started = performance.now();
      const sentAt = timeline.elapsed();
      let status = 0;
      let code: string | undefined;
      let retryAfter: string | undefined;
      try {
        const response = await pools.get(service.name)!.request({
          path: PROTECTED_PATH,
          method: 'GET',
          headers: dpop === undefined ? { authorization } : { authorization, dpop },
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        status = response.statusCode;
        const header = response.headers['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
        const text = await response.body.text();
        if (status !== 200) code = (JSON.parse(text) as { code?: string }).code;
      } catch (error) {
        code = (error as { code?: string }).code ?? (error as Error).name;
      }
      return {
        kind,
        expect,
        service: service.name,
        sentAt,
        status,
        latencyMs: performance.now() - started,
        retryAfter,
        code,
      };
    };
    const record = (sample: Sample) => {
      extra.push(sample);
      return sample;
    };

    // Tokens: Bearer from both replicas in turn (the last good one while Redis is down and the
    // issuers cannot sign), DPoP-bound from the token endpoint behind the balancer.
    let turn = 0;
    let lastToken = await mintLegit(a);
    let mintFailures = 0;
    const pool = scope.pool(async () => {
      try {
        lastToken = await mintLegit(replicas[turn++ % 2]!.issuer);
      } catch {
        mintFailures++;
      }
      return lastToken;
    });
    await pool.start();
    const dpopClients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const key = createDpopKey();
        return { key, token: await dpopToken(a, key) };
      }),
    );
    const revoked: string[] = [];
    const dpopShot = (k: number): Shot => {
      const { key, token } = dpopClients[k % dpopClients.length]!;
      return {
        kind: 'dpop',
        expect: 'observe',
        authorization: `DPoP ${token}`,
        dpop: key.proof({ method: 'GET', url: `${PUBLIC_ORIGIN}${PROTECTED_PATH}`, accessToken: token }),
        kid: headerOf(token).kid as string,
      };
    };
    let slot = 0;
    const next = (): Shot | undefined => {
      const k = slot++;
      if (k % 4 === 2) return dpopShot(k);
      if (k % 4 === 3 && revoked.length > 0)
        return { kind: 'revoked', expect: 'refuse', authorization: `Bearer ${revoked[k % revoked.length]}` };
      return legit(pool);
    };
    const run = scope.load(list, DURATION_MS, next);
    timeline.elapsed = () => run.elapsed();

    // Replay probes: accepted at one service, replayed at the next.
    const probes: { proof: string; token: string; first: Sample; replay: Sample }[] = [];
    let probing = true;
    const probeLoop = (async () => {
      await until(run, PROBES_FROM);
      for (let k = 0; probing; k++) {
        const { key, token } = dpopClients[k % dpopClients.length]!;
        const proof = key.proof({ method: 'GET', url: `${PUBLIC_ORIGIN}${PROTECTED_PATH}`, accessToken: token });
        const first = record(await hit(list[k % 3]!, `DPoP ${token}`, proof, 'dpop-probe', 'observe'));
        // A replay of an accepted request must be refused. One the first service refused (503 while
        // Redis was away) was never used, so the second service may accept it: that is its first use.
        const replay = record(
          await hit(
            list[(k + 1) % 3]!,
            `DPoP ${token}`,
            proof,
            'dpop-replayed',
            first.status === 200 ? 'refuse' : 'observe',
          ),
        );
        probes.push({ proof, token, first, replay });
        await sleep(PROBE_EVERY_MS);
      }
    })();

    // Revocation propagation.
    await until(run, PROBES_FROM);
    const propagation: number[] = [];
    const revokeCalls: number[] = [];
    let revocations = 0;
    const mirrorApplied: number[] = [];
    // The same propagation without HTTP: until each mirror holds the rule (polled every ms).
    const appliedBy = async (mirror: RedisRevocationMirror, claims: { jti: string }, t0: number): Promise<number> => {
      while (mirror.revoked(claims, Date.now()) === undefined) {
        if (performance.now() - t0 > POLL_GIVE_UP_MS) return Number.POSITIVE_INFINITY;
        await sleep(1);
      }
      return performance.now() - t0;
    };
    const refusedBy = async (service: Service, token: string, t0: number): Promise<number> => {
      for (;;) {
        const sample = await hit(service, `Bearer ${token}`, undefined, 'revocation-poll', 'observe');
        if (sample.status === 401 && sample.code === 'ERR_TOKEN_REVOKED') return performance.now() - t0;
        if (sample.status !== 200) record({ ...sample, kind: 'revocation-poll-unexpected', expect: 'accept' });
        if (performance.now() - t0 > POLL_GIVE_UP_MS) return Number.POSITIVE_INFINITY;
      }
    };
    /** A fresh token accepted (and cached) by every service; returns false if any refused it. */
    const primed = async (token: string, kind: string): Promise<boolean> => {
      const answers = await Promise.all(
        list.map((s) => hit(s, `Bearer ${token}`, undefined, kind, 'accept').then(record)),
      );
      return answers.every((s) => s.status === 200);
    };
    let propagated = 0;
    while (revocations < REVOCATIONS && run.elapsed() < REVOCATIONS_UNTIL) {
      const i = revocations++;
      const token = await mintLegit(replicas[i % 2]!.issuer);
      if (!(await primed(token, 'revocation-candidate'))) continue;
      const { jti, exp } = claimsOf(token);
      const writer = perService.get(SERVICE_NAMES[i % 3]!)!.mirror.revocations;
      const t0 = performance.now();
      const applied = Promise.all(mirrors.map((m) => appliedBy(m, { jti }, t0)));
      await writer.revoke({ jti, exp });
      revokeCalls.push(performance.now() - t0);
      propagation.push(...(await Promise.all(list.map((s) => refusedBy(s, token, t0)))));
      mirrorApplied.push(...(await applied));
      revoked.push(token);
      propagated++;
    }

    // Rotation at replica A.
    await until(run, ROTATE_NOT_BEFORE);
    const rotatedKid = (await a.rotate()).kid;
    const [jwksA, jwksB] = await Promise.all([jwksOf(a), jwksOf(b)]);
    const kidSignedByB = headerOf(await b.sign()).kid as string;

    // A token every service has accepted and cached, to revoke once Redis is back.
    const outageToken = await mintLegit(a);
    await primed(outageToken, 'pre-outage');

    // Redis killed, then restarted.
    await until(run, KILL_AT);
    const killAt = run.elapsed();
    await redis.stop({ kill: true });
    await sleep(1_500);
    const revocationMidOutage = list.map((s) => s.verifier.health().revocation);
    await until(run, RESTART_AT);
    await redis.start();
    const backAt = run.elapsed();
    const backT0 = performance.now();
    // Through a new connection to the restarted server, before the services' connections are back.
    const fresh = await client();
    const mirrorsAtWrite = mirrors.map((m) => m.state().status);
    const { jti, exp } = claimsOf(outageToken);
    const writeT0 = performance.now();
    await new RedisRevocations({ client: fresh }).revoke({ jti, exp });
    const refusedAfterMs = await Promise.all(list.map((s) => refusedBy(s, outageToken, writeT0)));
    revoked.push(outageToken);
    while (mirrors.some((m) => m.state().status !== 'ok') && performance.now() - backT0 < 10_000) await sleep(10);
    const mirrorsOkAfterMs = performance.now() - backT0;

    // Requests captured in the 3 s before the kill, replayed at another service now.
    const captured = probes.filter((p) => p.first.status === 200 && p.first.sentAt >= killAt - 3_000).slice(-10);
    let capturedReplaysRefused = 0;
    for (const [k, probe] of captured.entries()) {
      // Until this service's own connection is back, it answers 503 (fail closed): ask again.
      for (;;) {
        const answer = record(
          await hit(list[(k + 2) % 3]!, `DPoP ${probe.token}`, probe.proof, 'captured-replayed', 'refuse'),
        );
        if (answer.status === 401 && answer.code === 'ERR_DPOP_PROOF_REPLAYED') capturedReplaysRefused++;
        if (answer.status !== 503 || run.elapsed() > backAt + 5_000) break;
        await sleep(50);
      }
    }

    const result = await run.done;
    probing = false;
    await probeLoop;
    await pool.stop();

    const samples = [...result.samples, ...extra];
    const summary = summarize(samples);
    const dpop = result.samples.filter((s) => s.kind === 'dpop');
    const inWindow = (s: Sample) =>
      s.sentAt >= killAt - IN_FLIGHT_AT_KILL_MS && s.sentAt <= backAt + DPOP_RECOVERY_BOUND_MS;
    const failedClosed = (s: Sample) =>
      s.status === 503 && s.code === 'ERR_REPLAY_STORE_UNAVAILABLE' && s.retryAfter !== undefined;
    const dpop503 = dpop.filter((s) => s.status === 503);
    const dpopAccepted = dpop.filter((s) => s.status === 200).map((s) => s.latencyMs);
    const bearerAccepted = result.samples.filter((s) => s.kind === 'legit' && s.status === 200).map((s) => s.latencyMs);
    const replayed = probes.filter((p) => p.first.status === 200);
    const refusalCodes = [...new Set(replayed.map((p) => `${p.replay.status} ${p.replay.code}`))].sort();
    const finite = propagation.filter(Number.isFinite);
    const report: FleetReport = {
      summary,
      trace: traceFailures(list, summary.examples, run.startedAt),
      jwksRequests: jwksRequests(a) + jwksRequests(b),
      keysAtStart,
      propagation: {
        revocations: propagated,
        samples: propagation,
        p50Ms: percentile(propagation, 50),
        p99Ms: percentile(propagation, 99),
        maxMs: finite.length === propagation.length ? Math.max(...propagation) : Number.POSITIVE_INFINITY,
        mirrorP50Ms: percentile(mirrorApplied, 50),
        mirrorP99Ms: percentile(mirrorApplied, 99),
        revokeCallP50Ms: percentile(revokeCalls, 50),
      },
      latency: {
        dpopP50Ms: percentile(dpopAccepted, 50),
        dpopP99Ms: percentile(dpopAccepted, 99),
        bearerP50Ms: percentile(bearerAccepted, 50),
        bearerP99Ms: percentile(bearerAccepted, 99),
      },
      replay: {
        probes: probes.length,
        refusedAtAnother: replayed.filter((p) => p.replay.status === 401 && p.replay.code === 'ERR_DPOP_PROOF_REPLAYED')
          .length,
        acceptedTwice: extra.filter(
          (x) =>
            (x.kind === 'dpop-replayed' || x.kind === 'captured-replayed') && x.expect === 'refuse' && x.status === 200,
        ).length,
        refusalCodes,
      },
      rotation: {
        rotatedKid,
        sameJwks: JSON.stringify(jwksA) === JSON.stringify(jwksB),
        kidSignedByB,
        acceptedWithRotatedKid: result.samples.filter(
          (s) => s.kind === 'legit' && s.status === 200 && s.kid === rotatedKid,
        ).length,
      },
      outage: {
        killAt,
        backAt,
        bearerDuringOutage: result.samples.filter((s) => s.kind === 'legit' && s.sentAt >= killAt && s.sentAt <= backAt)
          .length,
        dpop503: dpop503.length,
        dpop503OutsideWindow: dpop503.filter((s) => !inWindow(s)).slice(0, 5),
        dpopUnexpected: dpop.filter((s) => s.status !== 200 && !failedClosed(s)).slice(0, 5),
        dpopAcceptedAfterRecovery: dpop.filter((s) => s.status === 200 && s.sentAt > backAt + DPOP_RECOVERY_BOUND_MS)
          .length,
        last503AfterBackMs: dpop503.length === 0 ? 0 : Math.max(...dpop503.map((s) => s.sentAt)) - backAt,
        revocationMidOutage,
      },
      resync: {
        mirrorsAtWrite,
        refusedAfterMs,
        mirrorsOkAfterMs,
        capturedReplays: captured.length,
        capturedReplaysRefused,
      },
      note: '',
    };
    const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '∞');
    return {
      ...report,
      note:
        `2 issuer replicas (1 key between them at start), 3 services, 1 Redis; ` +
        `revocation propagation (revoke() → service refuses, over HTTP) p50 ${ms(report.propagation.p50Ms)} ms, p99 ${ms(report.propagation.p99Ms)} ms, max ${ms(report.propagation.maxMs)} ms over ${report.propagation.revocations} revocations × 3 services (→ mirror holds it: p50 ${ms(report.propagation.mirrorP50Ms)} ms, p99 ${ms(report.propagation.mirrorP99Ms)} ms); ` +
        `accepted DPoP requests p50 ${ms(report.latency.dpopP50Ms)} ms, p99 ${ms(report.latency.dpopP99Ms)} ms (Bearer ${ms(report.latency.bearerP50Ms)} / ${ms(report.latency.bearerP99Ms)} ms); ` +
        `${report.replay.refusedAtAnother}/${replayed.length} DPoP requests replayed at another replica refused; ` +
        `A rotated to ${rotatedKid}, B served the same JWKS and signed with ${kidSignedByB}; ` +
        `Redis killed for ${((backAt - killAt) / 1000).toFixed(1)} s: ${report.outage.bearerDuringOutage} Bearer requests meanwhile, ${dpop503.length} DPoP requests got 503 (last ${Math.round(report.outage.last503AfterBackMs)} ms after Redis was back), ${mintFailures} token mints failed; ` +
        `a revocation written at restart reached the services in ${refusedAfterMs.map((n) => Math.round(n)).join('/')} ms (mirrors ${mirrorsAtWrite.join('/')} at the write, all ok ${Math.round(mirrorsOkAfterMs)} ms after Redis was back); ` +
        `${capturedReplaysRefused}/${captured.length} requests captured before the outage refused when replayed after it`,
    };
  } finally {
    await scope.close();
  }
}
