// @ts-check
// `pnpm demo`: the HS256 → RS256 migration of README.md's story, live. The real mini-issuer, four real
// services in their own processes (the apps of examples/), continuous traffic with real tokens,
// and a timeline: HS256 era, migration mode, issuer switch, HS256 off, key rotation, attacks, a
// stolen DPoP-bound token, and a revocation shared on Redis.
// Exits non-zero if a legitimate request failed or a forged token was accepted.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDpopKey, createIssuer } from '@tollgate/issuer';
import { RedisRevocations } from '@tollgate/redis';
import { createClient } from 'redis';
import { attackerClaims, attackerKey, attackerRs256Token, hs256Token, unsignedToken } from './attacks.mjs';
import { killAll, Service } from './fleet.mjs';
import { createTimeline } from './output.mjs';
import { findRedisServer, killRedis, startRedisServer } from './redis-server.mjs';
import { SimClock } from './sim-clock.mjs';
import { Client, peek, Traffic } from './traffic.mjs';

const DEADLINE_MS = 240_000;
const RATE_PER_SEC = 120;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The morning Bread and Butter Inc. starts its migration (the kid of the first RSA key in README.md's story). */
const START = Date.parse('2025-11-24T09:00:00Z');
const TENANT = 'breadandbutter';
/** The fulfilment partner's own client at the issuer (scene 7): it asks for DPoP-bound tokens. */
const PARTNER_CLIENT = 'fulfilment-partner';
/** The public origin each service is reached at behind the company's proxy: what DPoP proofs name in `htu`. */
const ORIGINS = /** @type {Record<string, string>} */ ({
  express: 'https://orders.breadandbutter.com',
  koa: 'https://invoices.breadandbutter.com',
  nestjs: 'https://stock.breadandbutter.com',
  partner: 'https://api.fulfilment-partner.example',
});
const AUDIENCE = 'api://breadandbutter';
const CLIENT_IDS = [
  'web-shop',
  'ios-app',
  'android-app',
  'checkout',
  'support-desk',
  'warehouse',
  'courier-app',
  'reports',
];

const clock = new SimClock(START);
const realStart = Date.now();

const { say, note, heading, table, paint, ok, bad, simTime, simSeconds, duration } = createTimeline(clock);

/** Everything that makes the exit status non-zero. */
const problems = /** @type {string[]} */ ([]);
function problem(/** @type {string} */ text) {
  problems.push(text);
  say(bad(text));
}

// ---------------------------------------------------------------------------------------------
// The world: issuer, services, clients, traffic

/** Scene 8's redis-server while it runs. */
/** @type {{ url: string, pid: number | undefined, stop: () => Promise<void> } | null} */
let redisServer = null;

async function main() {
  console.log(paint('bold', 'tollgate demo: the HS256 → RS256 migration of the seed posts, live'));
  console.log(`  Bread and Butter Inc. runs an Express, a Koa and a NestJS service; later a fulfilment partner joins.
  Time: the issuer and every service read one simulated clock that the demo moves forward (a real
  deployment just waits), so 90 days of key rotation take seconds. Columns: real seconds, simulated UTC.`);

  const secret = randomBytes(48).toString('base64url'); // JWT_SECRET, shared with every service in the HS256 era
  const credentials = CLIENT_IDS.map((id) => ({
    id,
    secret: randomBytes(24).toString('base64url'),
    scopes: ['orders:read', 'orders:write'],
  }));
  const partnerCredentials = {
    id: PARTNER_CLIENT,
    secret: randomBytes(24).toString('base64url'),
    scopes: ['orders:read'],
  };
  const issuer = await createIssuer({
    clock,
    tenants: [
      {
        name: TENANT,
        algorithm: 'HS256',
        hs256Secret: secret,
        audience: AUDIENCE,
        hosts: ['breadandbutter.com'],
        clients: [...credentials, partnerCredentials],
      },
    ],
    onError: (error) => problem(`issuer handler error: ${error instanceof Error ? error.message : String(error)}`),
  });
  const tenant = issuer.tenant(TENANT);

  const express = new Service({
    name: 'express',
    kind: 'express',
    framework: 'Express 5 + @tollgate/express',
    path: '/orders',
  });
  const koa = new Service({ name: 'koa', kind: 'koa', framework: 'Koa 3 + @tollgate/koa', path: '/orders' });
  const nestjs = new Service({
    name: 'nestjs',
    kind: 'nestjs',
    framework: 'NestJS 12 + @tollgate/nestjs',
    path: '/orders',
  });
  const partner = new Service({
    name: 'partner',
    kind: 'partner',
    framework: 'node:http + @tollgate/core',
    path: '/shipments',
    rs256Only: true,
  });
  const company = [express, koa, nestjs];
  const everyone = [...company, partner];
  const running = () => everyone.filter((service) => service.process !== null);

  const clients = credentials.map((c) => new Client(c, tenant.tokenEndpoint, clock.now));
  const traffic = new Traffic({ services: everyone, clients, ratePerSec: RATE_PER_SEC, onLegitimateFailure: problem });

  /** The environments an operator would set, one per stage of the migration. */
  const common = { TOLLGATE_ISSUER: tenant.issuer, TOLLGATE_AUDIENCE: AUDIENCE };
  const env = {
    hs256: { ...common, TOLLGATE_ALGORITHMS: 'HS256', TOLLGATE_HS256_SECRETS: secret },
    migration: { ...common, TOLLGATE_ALGORITHMS: 'RS256,HS256', TOLLGATE_HS256_SECRETS: secret },
    rs256: { ...common, TOLLGATE_ALGORITHMS: 'RS256' },
    partner: { TOLLGATE_JWKS_URI: tenant.jwksUri, TOLLGATE_AUDIENCE: AUDIENCE, TOLLGATE_ALGORITHMS: 'RS256' },
  };
  const shown = (/** @type {Record<string, string>} */ vars) =>
    Object.entries(vars)
      .filter(([name]) => name !== 'TOLLGATE_ISSUER' && name !== 'TOLLGATE_AUDIENCE')
      .map(([name, value]) => `${name}=${value === secret ? '<JWT_SECRET>' : value}`)
      .join(' ');

  /** Moves the clock of the issuer and of every service; traffic holds while it moves. */
  async function moveClock(/** @type {number} */ target, /** @type {string} */ why) {
    await traffic.pause();
    const step = target - clock.now();
    clock.moveTo(target);
    await Promise.all(running().map((service) => service.process?.setClock(clock.offsetMs) ?? Promise.resolve()));
    // Clients whose tokens expired in the jump log in again before they send anything.
    await Promise.all(
      clients.filter((client) => client.current !== null && client.due).map((client) => client.login()),
    );
    traffic.resume();
    say(`${paint('cyan', '⏩')} clock +${duration(step)}: ${why}`);
  }

  async function login(/** @type {Client[]} */ group) {
    await Promise.all(group.map((client) => client.login()));
    const { alg, kid } = /** @type {NonNullable<Client['current']>} */ (group[0]?.current ?? null);
    say(
      `clients   ${group.map((c) => c.id).join(', ')} log in: ${alg} tokens${kid ? ` with kid ${kid}` : ', no kid'}, valid 15 min`,
    );
  }

  async function redeploy(/** @type {Service[]} */ services, /** @type {Record<string, string>} */ vars) {
    for (const service of services) {
      const { previous, next } = await service.redeploy(vars, clock.offsetMs, (url) => traffic.settle(url));
      say(
        `${service.name.padEnd(9)} redeployed, pid ${previous.pid} → ${next.pid} (the new one had its keys before traffic moved): ${shown(vars)}`,
      );
    }
  }

  /**
   * The services' own counters: verifier.stats() and health() of each running process, since its
   * last (re)start. The `hs256` view is for the migration, the `keys` view for the rotation.
   */
  async function counters(/** @type {Service[]} */ services, view = 'hs256') {
    const rows = await Promise.all(
      services.map(async (service) => {
        const { stats, health } = await /** @type {import('./fleet.mjs').ServiceProcess} */ (service.process).stats();
        const source = health.sources[0];
        const fetches = source ? stats.jwks.fetches : '-';
        const keys = source ? source.keys : '-';
        if (view === 'keys')
          return [service.name, stats.acceptedByAlg.RS256 ?? 0, fetches, keys, stats.jwks.keysRemoved];
        const last = stats.hs256.lastAcceptedAt === null ? '-' : simSeconds(stats.hs256.lastAcceptedAt);
        return [service.name, stats.hs256.accepted, stats.acceptedByAlg.RS256 ?? 0, last, fetches, keys];
      }),
    );
    const header =
      view === 'keys'
        ? ['verifier.stats()', 'RS256 accepted', 'JWKS fetches', 'keys cached', 'keys removed']
        : ['verifier.stats()', 'hs256.accepted', 'RS256 accepted', 'last HS256 at', 'JWKS fetches', 'keys cached'];
    table([header, ...rows]);
  }

  /** One line: how many HS256 tokens each service accepted so far. */
  async function hs256Line() {
    const all = await Promise.all(
      company.map(
        async (service) =>
          `${service.name} ${(await /** @type {import('./fleet.mjs').ServiceProcess} */ (service.process).stats()).stats.hs256.accepted}`,
      ),
    );
    return all.join(', ');
  }

  /** Sends `token` to each service; every answer must be a refusal with `expect`. */
  async function attack(
    /** @type {string} */ label,
    /** @type {string} */ token,
    /** @type {string} */ expect,
    services = everyone,
  ) {
    const answers = await Promise.all(services.map((service) => traffic.send(service, token, { forged: true })));
    const wrong = answers
      .map((answer, i) => ({ ...answer, service: services[i]?.name }))
      .filter((answer) => answer.code !== expect || answer.status < 400 || answer.status >= 500);
    if (wrong.length === 0) {
      say(ok(`${label}: refused by all ${services.length} (${answers[0]?.status} ${expect})`));
      return;
    }
    for (const answer of wrong) {
      if (answer.status >= 200 && answer.status < 300) problem(`${label}: ACCEPTED by ${answer.service}`);
      else problem(`${label}: ${answer.service} answered ${answer.status} ${answer.code}, expected ${expect}`);
    }
  }

  /** Legitimate requests accepted per `alg kid` since `since` (a copy of traffic.acceptedByKey). */
  const acceptedSince = (/** @type {Map<string, number>} */ since) =>
    [...traffic.acceptedByKey]
      .map(([key, count]) => [key, count - (since.get(key) ?? 0)])
      .filter(([, count]) => Number(count) > 0)
      .map(([key, count]) => `${key}: ${count}`)
      .join(', ');

  /**
   * Redeploys `services` one after the other, adding `added(service)` to each one's environment.
   * @param {Service[]} services
   * @param {(service: Service) => Record<string, string>} added
   */
  async function redeployEach(services, added) {
    for (const service of services) {
      const vars = added(service);
      const { previous, next } = await service.redeploy({ ...service.env, ...vars }, clock.offsetMs, (url) =>
        traffic.settle(url),
      );
      say(`${service.name.padEnd(9)} redeployed, pid ${previous.pid} → ${next.pid}: ${shown(vars)}`);
    }
  }

  /**
   * Client credentials with a DPoP proof at the token endpoint: the token comes back bound to `key`.
   * @param {{ id: string, secret: string }} credentials
   * @param {import('@tollgate/issuer').DpopKey} key
   */
  async function dpopLogin(credentials, key) {
    const basic = Buffer.from(`${credentials.id}:${credentials.secret}`).toString('base64');
    const response = await fetch(tenant.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        dpop: key.proof({ method: 'POST', url: tenant.tokenEndpoint }),
      },
      body: 'grant_type=client_credentials',
    });
    if (!response.ok) throw new Error(`the token endpoint answered ${response.status}: ${await response.text()}`);
    const body = /** @type {{ access_token: string, token_type: string }} */ (await response.json());
    const claims = /** @type {{ cnf?: { jkt?: string } }} */ (peek(body.access_token).payload);
    const jkt = claims.cnf?.jkt;
    if (body.token_type !== 'DPoP' || jkt !== key.jkt) throw new Error('the issuer did not bind the token to the key');
    return { token: body.access_token, type: body.token_type, jkt: String(jkt) };
  }

  /** Scene 8, on the redis-server the company's services share since scene 7's redeploy. */
  async function revocationScene(/** @type {{ url: string }} */ redis) {
    note(
      `Since scene 7's redeploy, express, koa and nestjs share the redis-server on ${redis.url} (TOLLGATE_REDIS_URL):`,
    );
    note("@tollgate/redis RedisReplayStore for DPoP proofs, and RedisRevocationMirror as the verifier's revocation");
    note('check: a copy of the list in memory, kept current by pub/sub. No Redis call per request.');
    const tokens = {
      alice: await issuer.sign({ sub: 'alice', scope: 'orders:read' }, { tenant: TENANT }),
      bob: await issuer.sign({ sub: 'bob', scope: 'orders:read' }, { tenant: TENANT }),
    };
    const first = await Promise.all(
      company.flatMap((service) => [tokens.alice, tokens.bob].map((token) => traffic.send(service, token))),
    );
    if (first.some((answer) => answer.status !== 200)) problem('alice or bob was refused before any revocation');
    say(`users     alice and bob each call ${company.length} services with their tokens: all ${first.length} accepted`);

    const admin = await createClient({ url: redis.url })
      .on('error', (/** @type {Error} */ error) => problem(`admin Redis connection: ${error.message}`))
      .connect();
    // Rules live in real time (Redis expires them by its own clock); `before` covers every token
    // alice holds, whose iat is the demo's simulated time.
    const revocations = new RedisRevocations({ client: admin });
    await revocations.list(); // the connection is warm: what is measured is the revocation, not a first connect
    const before = new Date(Math.max(Date.now(), clock.now()));
    const start = performance.now();
    await revocations.revoke({ sub: 'alice', before });
    const written = performance.now() - start;
    /** Polls `service` with alice's token until it is refused as revoked; ms since the revoke call. */
    const refusedAfter = async (/** @type {Service} */ service) => {
      for (;;) {
        const answer = await traffic.send(service, tokens.alice, { record: false });
        const elapsed = performance.now() - start;
        if (answer.code === 'ERR_TOKEN_REVOKED') return elapsed;
        if (answer.status !== 200) throw new Error(`${service.name} answered ${answer.status} ${answer.code}`);
        if (elapsed > 5000) throw new Error(`${service.name} still accepts alice's token 5 s after the revocation`);
      }
    };
    const times = await Promise.all(company.map(refusedAfter));
    await admin.close();
    say(
      `operator  revocations.revoke({ sub: 'alice' }): one Lua script on Redis (stores the rule, publishes it), ${written.toFixed(1)} ms`,
    );
    note("Meanwhile the demo sends alice's token to every service, again and again, until each refuses it:");
    table([
      ['', ...company.map((service) => service.name)],
      ['refused alice, ms after the admin call', ...times.map((ms) => ms.toFixed(1))],
    ]);
    say(ok(`every service refused alice's token ${Math.max(...times).toFixed(0)} ms after the one admin call`));
    await attack("alice's token, revoked", tokens.alice, 'ERR_TOKEN_REVOKED', company);
    const others = await Promise.all(company.map((service) => traffic.send(service, tokens.bob)));
    if (others.every((answer) => answer.status === 200))
      say(ok(`bob's token: still accepted by all ${company.length}`));
    else problem(`bob's token was refused: ${others.map((answer) => `${answer.status} ${answer.code}`).join(', ')}`);
    const atPartner = await traffic.send(partner, tokens.alice, { record: false });
    note(
      `The partner shares no Redis with Bread and Butter Inc.: it answers alice's token with ${atPartner.status} until the token expires.`,
    );
  }

  say(`issuer    ${tenant.issuer}  (@tollgate/issuer, in this process)`);
  note(`tenant "${TENANT}" signs HS256 with JWT_SECRET, a 48-byte shared secret; its JWKS is empty`);

  // 1 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('1. HS256 era: one shared secret, every service verifies with it');
  await Promise.all(company.map((service) => service.start(env.hs256, clock.offsetMs)));
  for (const service of company)
    say(`${service.name.padEnd(9)} ${service.framework}, pid ${service.process?.pid}: ${shown(env.hs256)}`);
  note(`all: TOLLGATE_ISSUER=${tenant.issuer} TOLLGATE_AUDIENCE=${AUDIENCE}`);
  await login(clients.slice(0, 3));
  traffic.start();
  say(`traffic   ${RATE_PER_SEC} requests/s, round robin over the services, each with a client's current token`);
  await sleep(2500);
  await moveClock(clock.now() + 4 * MINUTE, 'more clients log in during the morning');
  await login(clients.slice(3, 5));
  await sleep(1500);
  const mallory = attackerClaims({ issuer: tenant.issuer, audience: AUDIENCE, nowSec: Math.floor(clock.now() / 1000) });
  const secretOnly = await traffic.send(express, hs256Token(mallory, secret), { record: false });
  say(
    `${paint('yellow', '!')} a token made from JWT_SECRET alone, no issuer involved, sub "mallory": express answers ${secretOnly.status}.`,
  );
  note('Whoever can verify HS256 can also mint it: every service holding the secret is a way to forge tokens.');
  await counters(company);

  // 2 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('2. Migration mode: services accept HS256 (secret) and RS256 (JWKS)');
  note('One service after the other, as in the seed post; the traffic never stops.');
  await redeploy(company, env.migration);
  note(
    'RS256 keys come from OIDC discovery at TOLLGATE_ISSUER. The JWKS is still empty: nothing is signed with RS256 yet.',
  );
  await sleep(1500);
  await moveClock(clock.now() + 4 * MINUTE, 'the redeploys are done');
  await login(clients.slice(5, 6));
  await sleep(1500);

  // 3 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('3. The issuer switches to RS256');
  await issuer.setAlgorithm('RS256', TENANT);
  const [firstKey] = await issuer.keys(TENANT);
  if (firstKey === undefined) throw new Error('the issuer published no key');
  say(
    `issuer    new RSA-2048 key, kid ${firstKey.kid}, published in the JWKS; new tokens are RS256 and carry this kid`,
  );
  await partner.start(env.partner, clock.offsetMs);
  say(`partner   ${partner.framework}, pid ${partner.process?.pid}: ${shown(env.partner)}`);
  note('The fulfilment partner gets a URL, nothing secret. It only verifies; it can never mint a token.');
  await login(clients.slice(6));
  await sleep(2500);
  const legacy = clients.find((client) => client.current?.alg === 'HS256');
  if (legacy?.current) {
    const answer = await traffic.send(partner, legacy.current.token, { record: false });
    say(`partner   an HS256 token (genuine, but the partner has no secret) gets ${answer.status} ${answer.code}`);
  }
  await counters(everyone);
  note(
    'The first RS256 token carried an unknown kid: each verifier refetched the JWKS once, then served it from cache.',
  );
  note('Old HS256 tokens keep working until they expire; clients that log in again get RS256.');
  // Driven by the clients' state, not by a list made up front: tokens that expire a second apart
  // (logins on either side of a second boundary) are handled by one move, and a target real time
  // has already passed on a slow machine is not a step backwards.
  for (let round = 0; round < 10; round++) {
    const legacy = clients.filter((client) => client.current?.alg === 'HS256');
    if (legacy.length === 0) break;
    const exp = Math.min(...legacy.map((client) => /** @type {number} */ (client.current?.exp)));
    const why = `HS256 tokens issued at ${simSeconds((exp - 900) * 1000).slice(0, 5)} have expired`;
    if (exp * 1000 + 1000 > clock.now()) await moveClock(exp * 1000 + 1000, why);
    else {
      await Promise.all(legacy.filter((client) => client.due).map((client) => client.login()));
      say(`clients   ${why}; their clients logged in again`);
    }
    const remaining = clients.filter((client) => client.current?.alg === 'HS256').length;
    await sleep(1200);
    say(`clients   HS256 tokens still in use: ${remaining}; hs256.accepted so far: ${await hs256Line()}`);
  }
  if (clients.some((client) => client.current?.alg === 'HS256')) problem('HS256 tokens still in use after 10 rounds');

  // 4 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('4. HS256 switched off after the last legacy token expired');
  const before = await Promise.all(company.map((service) => service.process?.stats() ?? Promise.resolve(undefined)));
  await sleep(1500);
  const after = await Promise.all(company.map((service) => service.process?.stats() ?? Promise.resolve(undefined)));
  for (const [i, service] of company.entries()) {
    const then = before[i]?.stats;
    const now = after[i]?.stats;
    if (then === undefined || now === undefined) continue;
    const flat = now.hs256.accepted === then.hs256.accepted;
    const text = `${service.name.padEnd(9)} hs256.accepted ${now.hs256.accepted}, ${flat ? 'flat' : 'STILL GROWING'} over the last 1.5 s while ${now.accepted - then.accepted} RS256 requests passed; last HS256 at ${now.hs256.lastAcceptedAt === null ? '-' : simSeconds(now.hs256.lastAcceptedAt)}`;
    if (flat) say(text);
    else problem(text);
  }
  await redeploy(company, env.rs256);
  note('TOLLGATE_HS256_SECRETS is gone from every service: the shared secret no longer opens anything.');
  await sleep(1500);

  // 5 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('5. Key rotation: 90 days later');
  const signing = (await issuer.keys(TENANT)).find((key) => key.signing);
  if (signing?.rotateAtMs === undefined || signing.rotateAtMs === null)
    throw new Error('no signing key with a rotation date');
  await moveClock(signing.rotateAtMs - 3 * MINUTE, `key ${signing.kid} is 3 minutes short of 90 days old`);
  note('Every client logged in again (their tokens had long expired); the verifiers refreshed their key sets.');
  await sleep(1500);
  await moveClock(signing.rotateAtMs + MINUTE, `key ${signing.kid} is 90 days old`);
  const rotated = await issuer.keys(TENANT); // key operations rotate lazily; this one does
  const fresh = rotated.find((key) => key.signing);
  const retired = rotated.find((key) => key.kid === signing.kid);
  if (fresh === undefined || retired?.removeAtMs === undefined || retired.removeAtMs === null)
    throw new Error('the issuer did not rotate');
  say(
    `issuer    rotated: kid ${fresh.kid} signs new tokens; ${retired.kid} is retired but stays in the JWKS until ${simTime(retired.removeAtMs)}`,
  );
  note(
    'Grace period = longest token lifetime + 1 day: every token signed with the old key expires before the key goes.',
  );
  const longLived = await issuer.sign(
    { exp: Math.floor(retired.removeAtMs / 1000) + 7 * 24 * 3600 },
    { tenant: TENANT, kid: retired.kid },
  );
  note(`Kept for later: a token signed with ${retired.kid} that claims to be valid for a week past the grace period.`);
  let mark = new Map(traffic.acceptedByKey);
  await login(clients.slice(0, 4));
  await sleep(2500);
  say(`traffic   accepted since the rotation: ${acceptedSince(mark)}`);
  await counters(everyone, 'keys');
  note('The new kid was unknown: one refetch per verifier, and both keys verify during the grace period.');
  await moveClock(
    clock.now() + 15 * MINUTE,
    `the last tokens signed with ${retired.kid} expire; their clients log in again`,
  );
  mark = new Map(traffic.acceptedByKey);
  await sleep(1500);
  say(`traffic   accepted since: ${acceptedSince(mark)}`);
  await moveClock(retired.removeAtMs - 12 * HOUR, 'half a day before the grace period ends');
  await sleep(1000);
  await moveClock(retired.removeAtMs + MINUTE, 'the grace period is over');
  await sleep(1500);
  say(`issuer    JWKS now: ${(await issuer.jwks(TENANT)).keys.map((key) => key.kid).join(', ')}`);
  await counters(everyone, 'keys');
  note(`At their next refresh (the issuer's Cache-Control: max-age=3600) the verifiers dropped ${retired.kid}.`);
  await attack(`a token signed with the removed key ${retired.kid}, exp a week away`, longLived, 'ERR_KEY_NOT_FOUND');

  // 6 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('6. Attacks: all refused');
  const nowSec = Math.floor(clock.now() / 1000);
  const claims = attackerClaims({ issuer: tenant.issuer, audience: AUDIENCE, nowSec });
  const expired = await issuer.sign({ iat: nowSec - 3600, exp: nowSec - 900 }, { tenant: TENANT });
  const genuineSignature = expired.split('.')[2] ?? '';
  const privateKey = await attackerKey();
  note(`Each token claims iss ${tenant.issuer}, aud ${AUDIENCE}, sub "mallory", scope "orders:read orders:write".`);
  await attack('HS256 forged with the leaked JWT_SECRET', hs256Token(claims, secret), 'ERR_ALG_NOT_ALLOWED');
  await attack(
    `RS256 signed by the attacker's own RSA key, claiming kid ${fresh.kid}`,
    attackerRs256Token(claims, fresh.kid, privateKey),
    'ERR_TOKEN_SIGNATURE_INVALID',
  );
  await attack(
    "RS256 signed by the attacker's own RSA key, with its own kid",
    attackerRs256Token(claims, 'mallory-1', privateKey),
    'ERR_KEY_NOT_FOUND',
  );
  await attack('alg "none" with an empty signature', unsignedToken(claims), 'ERR_TOKEN_MALFORMED');
  await attack(
    'alg "none" with a signature copied from a genuine token',
    unsignedToken(claims, genuineSignature),
    'ERR_ALG_NOT_ALLOWED',
  );
  await attack('expired 15 minutes ago (genuine signature)', expired, 'ERR_CLAIM_EXPIRED');
  await sleep(1000);

  // 7 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('7. A stolen token: bound to a key the thief does not have (DPoP)');
  // One redeploy for scenes 7 and 8: DPoP on everywhere, and the company's services on one Redis.
  const found = findRedisServer();
  if ('path' in found) {
    redisServer = await startRedisServer(found.path);
    say(`redis     redis-server on ${redisServer.url}, pid ${redisServer.pid}, no persistence (stopped at the end)`);
  }
  const redisUrl = redisServer?.url;
  await redeployEach(everyone, (service) => ({
    DPOP_MODE: 'allowed',
    DPOP_ORIGIN: /** @type {string} */ (ORIGINS[service.name]),
    ...(redisUrl !== undefined && company.includes(service) ? { TOLLGATE_REDIS_URL: redisUrl } : {}),
  }));
  note('DPOP_ORIGIN: the public origin clients call through the proxy, the only URL a proof may name (htu).');
  const partnerKey = createDpopKey({ clock }); // ES256; the proofs' iat is the demo's time
  const partnerToken = await dpopLogin(partnerCredentials, partnerKey);
  say(
    `partner   client ${PARTNER_CLIENT} logs in with a DPoP proof: token_type ${partnerToken.type}, cnf.jkt ${partnerToken.jkt.slice(0, 12)}… (its key's thumbprint)`,
  );
  const plain = clients.find((client) => client.current !== null)?.current?.token;
  if (plain === undefined) throw new Error('no client holds a bearer token');
  note('It calls every service; a debug log records each request, Authorization and DPoP headers included.');
  note(`An attacker copies the log. It has the partner's token and proofs, not its private key, and tries:`);
  const thiefKey = createDpopKey({ clock });
  const stolenRows = [];
  for (const service of everyone) {
    const url = `${ORIGINS[service.name]}${service.path}`;
    const proof = partnerKey.proof({ method: 'GET', url, accessToken: partnerToken.token });
    const own = await traffic.send(service, partnerToken.token, { scheme: 'DPoP', proof });
    if (own.status !== 200)
      problem(`${service.name} refused the partner's own DPoP request: ${own.status} ${own.code}`);
    const tries = [
      ['captured request replayed', { scheme: 'DPoP', proof }, 'ERR_DPOP_PROOF_REPLAYED'],
      [
        "a fresh proof from the thief's key",
        { scheme: 'DPoP', proof: thiefKey.proof({ method: 'GET', url, accessToken: partnerToken.token }) },
        'ERR_DPOP_BINDING_MISMATCH',
      ],
      ['the token sent as Bearer', {}, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER'],
    ];
    const cells = [];
    for (const [label, options, expect] of /** @type {[string, { scheme?: 'DPoP', proof?: string }, string][]} */ (
      tries
    )) {
      const answer = await traffic.send(service, partnerToken.token, { ...options, forged: true });
      cells.push(answer.status === 200 ? '200 ACCEPTED' : `${answer.status} ${answer.code}`);
      if (answer.status >= 200 && answer.status < 300) problem(`${label}: ACCEPTED by ${service.name}`);
      else if (answer.code !== expect)
        problem(`${label}: ${service.name} answered ${answer.status} ${answer.code}, expected ${expect}`);
    }
    // The same theft of an unbound token: nothing but the token is needed.
    const bearer = await traffic.send(service, plain, { record: false });
    cells.push(bearer.status === 200 ? '200 accepted' : `${bearer.status} ${bearer.code}`);
    if (bearer.status !== 200) problem(`${service.name} refused a stolen but valid bearer token: ${bearer.status}`);
    stolenRows.push([service.name, `${own.status}`, ...cells]);
  }
  table([
    ['', "partner's request", 'replayed', "thief's own key", 'as Bearer', 'a stolen Bearer token'],
    ...stolenRows,
  ]);
  note("Replayed: the proof's jti was seen. Own key: the token's cnf.jkt names the partner's key. As Bearer:");
  note('a bound token must come with a proof. A plain Bearer token copied from the same log works for anyone.');
  await sleep(500);

  // 8 ─────────────────────────────────────────────────────────────────────────────────────────
  heading('8. Revoke once, refused everywhere: the services share one Redis');
  if ('fail' in found) problem(`scene 8: ${found.fail}`);
  else if ('skip' in found) say(paint('yellow', `! scene 8 skipped: ${found.skip}`));
  else if (redisServer !== null) await revocationScene(redisServer);

  // Summary ───────────────────────────────────────────────────────────────────────────────────
  await traffic.stop();
  heading('Summary: requests per service');
  const tallies = everyone.map(
    (service) => /** @type {import('./traffic.mjs').Tally} */ (traffic.tallies.get(service.name)),
  );
  const codes = [...new Set(tallies.flatMap((tally) => [...tally.refused.keys()]))].sort();
  table(
    [
      ['', ...everyone.map((service) => service.name)],
      ['requests sent', ...tallies.map((t) => t.sent)],
      ['accepted', ...tallies.map((t) => t.accepted)],
      ['refused', ...tallies.map((t) => [...t.refused.values()].reduce((a, b) => a + b, 0))],
      ...codes.map((code) => [`  ${code}`, ...tallies.map((t) => t.refused.get(code) ?? 0)]),
      ['legitimate requests failed (must be 0)', ...tallies.map((t) => t.legitimateFailed)],
      ['forged tokens accepted (must be 0)', ...tallies.map((t) => t.forgedAccepted)],
    ],
    2,
  );
  console.log(
    paint(
      'dim',
      '  Every refusal above is an attack, the removed key or the revoked user; the legitimate traffic is all in "accepted".',
    ),
  );

  await Promise.all(running().map((service) => service.process?.stop() ?? Promise.resolve()));
  await redisServer?.stop(); // after the services, whose Redis connections closed with them
  await issuer.close();
  const seconds = ((Date.now() - realStart) / 1000).toFixed(0);
  console.log();
  if (problems.length === 0) {
    console.log(
      ok(
        `Done in ${seconds} s: ${duration(clock.now() - START)} of simulated time, no legitimate request failed, no forged token accepted.`,
      ),
    );
    return 0;
  }
  console.log(bad(`Done in ${seconds} s with ${problems.length} problem(s):`));
  for (const text of problems) console.log(`  - ${text}`);
  return 1;
}

const deadline = setTimeout(() => {
  console.error(bad(`demo: not finished after ${DEADLINE_MS / 1000} s; stopping every service`));
  killAll();
  killRedis();
  process.exit(1);
}, DEADLINE_MS);
process.on('exit', () => {
  killAll();
  killRedis();
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    killAll();
    killRedis();
    process.exit(130);
  });
}

main().then(
  (code) => {
    clearTimeout(deadline);
    process.exit(code);
  },
  (error) => {
    console.error(bad(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    killAll();
    killRedis();
    process.exit(1);
  },
);
