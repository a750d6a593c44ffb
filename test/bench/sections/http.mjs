// HTTP: autocannon (in this process) against one server process per framework × middleware.
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startChild } from '../lib/child.mjs';
import { loadTokens } from '../lib/fixtures.mjs';
import { mark, num, ratio, summarize, table, x } from '../lib/report.mjs';

const CHILD = fileURLToPath(new URL('../children/http-server.mjs', import.meta.url));
const ALG = 'RS256';

const LABELS = {
  none: 'no auth',
  floor: 'hand-written floor middleware',
  tollgate: 'tollgate',
  'tollgate-cache': 'tollgate, token cache on',
  'express-jwt': 'express-jwt + jwks-rsa',
  'oauth2-bearer': 'express-oauth2-jwt-bearer',
  'koa-jwt': 'koa-jwt + jwks-rsa',
  'passport-jwt': '@nestjs/passport + passport-jwt + jwks-rsa',
  'fastify-jwt': '@fastify/jwt + get-jwks',
};

// `guard`: the app authenticates in a Nest guard, whose floor goal is 0.9× a hand-written guard
// (0.95× a floor middleware or hook elsewhere). Each key names the app module in ../http/.
const FRAMEWORKS = {
  express: {
    label: 'Express 5',
    modes: ['none', 'floor', 'tollgate', 'tollgate-cache', 'express-jwt', 'oauth2-bearer'],
  },
  koa: { label: 'Koa 3', modes: ['none', 'floor', 'tollgate', 'tollgate-cache', 'koa-jwt'] },
  nest: {
    label: 'NestJS (platform-express)',
    modes: ['none', 'floor', 'tollgate', 'tollgate-cache', 'passport-jwt'],
    guard: true,
  },
  'nest-fastify': {
    label: 'NestJS (platform-fastify)',
    modes: ['none', 'floor', 'tollgate', 'tollgate-cache'],
    guard: true,
  },
  fastify: { label: 'Fastify 5', modes: ['none', 'floor', 'tollgate', 'tollgate-cache', 'fastify-jwt'] },
};

/** Run configurations per framework: every mode with distinct tokens (except the token cache), plus the token cache with one repeated token. */
function configsFor(modes) {
  const list = modes.filter((mode) => mode !== 'tollgate-cache').map((mode) => ({ mode, workload: 'distinct' }));
  if (modes.includes('tollgate-cache')) list.push({ mode: 'tollgate-cache', workload: 'repeated' });
  return list;
}
const configId = (c) => `${c.mode}/${c.workload}`;

function get(port, authorization) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/orders', headers: authorization ? { authorization } : {}, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The server must answer a valid token with its claims and refuse every bad one with 401. */
async function validate(port, mode, tokens) {
  const cases = {};
  let ok = true;
  const valid = await get(port, `Bearer ${tokens.distinct[0]}`);
  let sub = null;
  try {
    sub = JSON.parse(valid.body).sub;
  } catch {
    // Not JSON: reported below.
  }
  cases.valid =
    valid.status === 200 && (mode === 'none' || sub === 'user-0')
      ? 'accepted'
      : `${valid.status} ${valid.body.slice(0, 80)}`;
  if (cases.valid !== 'accepted') ok = false;
  if (mode !== 'none') {
    const bad = {
      missing: undefined,
      ...Object.fromEntries(Object.entries(tokens.invalid).map(([k, t]) => [k, `Bearer ${t}`])),
    };
    for (const [name, header] of Object.entries(bad)) {
      const r = await get(port, header);
      cases[name] = r.status === 401 ? 'refused' : `${r.status}`;
      if (r.status !== 401) ok = false;
    }
  }
  return { ok, cases };
}

function cannon(port, tokens, durationSec, connections) {
  let i = 0;
  const n = tokens.length;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationSec,
        requests: [
          {
            method: 'GET',
            path: '/orders',
            setupRequest(req) {
              req.headers = { authorization: `Bearer ${tokens[i]}` };
              i = i + 1 === n ? 0 : i + 1;
              return req;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

async function serverCpu(child) {
  const { cpu, stats } = await child.request({ type: 'stats' }, 'stats', 10_000);
  return { cpuMicros: cpu.user + cpu.system, stats };
}

async function measure(child, port, tokens, durationSec, connections) {
  const before = await serverCpu(child);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await cannon(port, tokens, durationSec, connections);
  const wall = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const after = await serverCpu(child);
  const seconds = (new Date(result.finish) - new Date(result.start)) / 1000 || wall;
  return {
    reqPerSec: result.requests.total / seconds,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpu: (after.cpuMicros - before.cpuMicros) / 1e6 / wall,
    clientCpu: (client.user + client.system) / 1e6 / wall,
    stats: after.stats,
  };
}

export async function runHttp({ jwksUri, settings, log }) {
  const tokens = loadTokens(ALG);
  const repeated = [tokens.distinct[0]];
  const results = { settings: { ...settings, alg: ALG }, frameworks: {} };
  for (const [framework, def] of Object.entries(FRAMEWORKS)) {
    if (settings.frameworks && !settings.frameworks.includes(framework)) continue;
    const started = performance.now();
    const fr = (results.frameworks[framework] = { label: def.label, configs: {}, seconds: 0 });
    const servers = {};
    for (const c of configsFor(def.modes)) fr.configs[configId(c)] = { mode: c.mode, workload: c.workload, rounds: [] };
    // Servers start together (start-up is not timed), then each is validated.
    await Promise.all(
      def.modes.map(async (mode) => {
        try {
          const child = await startChild(CHILD, [JSON.stringify({ framework, mode, jwksUri, alg: ALG })], {
            readyTimeoutMs: 60_000,
          });
          const validation = await validate(child.ready.port, mode, tokens);
          if (!validation.ok) {
            log(`  ${framework} ${mode}: validation failed ${JSON.stringify(validation.cases)}`);
            await child.stop();
          } else servers[mode] = child;
          for (const c of configsFor([mode])) fr.configs[configId(c)].validation = validation;
        } catch (error) {
          log(`  ${framework} ${mode}: could not start: ${error.message}`);
          for (const c of configsFor([mode])) fr.configs[configId(c)].error = String(error.message).slice(0, 300);
        }
      }),
    );
    const configs = configsFor(def.modes).filter((c) => servers[c.mode]);
    // Warm-up: JIT, key caches, keep-alive sockets; not recorded.
    for (const c of configs)
      await cannon(
        servers[c.mode].ready.port,
        c.workload === 'repeated' ? repeated : tokens.distinct,
        settings.warmSec,
        settings.connections,
      );
    for (let round = 0; round < settings.rounds; round++) {
      const order = configs.map((_, i) => configs[(i + round) % configs.length]);
      for (const c of order) {
        const m = await measure(
          servers[c.mode],
          servers[c.mode].ready.port,
          c.workload === 'repeated' ? repeated : tokens.distinct,
          settings.durationSec,
          settings.connections,
        );
        fr.configs[configId(c)].rounds.push(m);
      }
    }
    for (const child of Object.values(servers)) await child.stop();
    for (const entry of Object.values(fr.configs)) {
      const ok = entry.rounds.filter((r) => r.non2xx === 0 && r.errors === 0);
      entry.bad = entry.rounds.length - ok.length;
      entry.reqPerSec = summarize(entry.rounds.map((r) => r.reqPerSec));
      entry.p99 = summarize(entry.rounds.map((r) => r.p99));
      entry.serverCpu = summarize(entry.rounds.map((r) => r.serverCpu));
      // Server CPU time per request: the cost per request, less sensitive to a busy machine than req/s.
      entry.cpuMicrosPerReq = summarize(entry.rounds.map((r) => (r.serverCpu / r.reqPerSec) * 1e6));
      entry.clientCpu = summarize(entry.rounds.map((r) => r.clientCpu));
      const last = entry.rounds.at(-1)?.stats;
      if (last) entry.tokenCache = last.tokenCache ?? null;
      for (const r of entry.rounds) delete r.stats;
    }
    const base = fr.configs['none/distinct']?.reqPerSec?.median ?? null;
    const floor = fr.configs['floor/distinct']?.reqPerSec?.median ?? null;
    for (const entry of Object.values(fr.configs)) {
      entry.xBaseline = ratio(entry.reqPerSec?.median, base);
      entry.xFloor = ratio(entry.reqPerSec?.median, floor);
    }
    fr.seconds = (performance.now() - started) / 1000;
    log(
      `  ${framework}: ${configs.length} configurations × ${settings.rounds} rounds in ${fr.seconds.toFixed(1)} s — ` +
        configs.map((c) => `${configId(c)} ${num(fr.configs[configId(c)].reqPerSec?.median ?? null)}`).join(', '),
    );
  }
  return results;
}

const PEERS = ['express-jwt', 'oauth2-bearer', 'koa-jwt', 'passport-jwt', 'fastify-jwt'];

export function httpGoals(results) {
  const goals = [];
  for (const [framework, fr] of Object.entries(results.frameworks)) {
    const guard = FRAMEWORKS[framework]?.guard === true;
    const t = fr.configs['tollgate/distinct'];
    const c = fr.configs['tollgate-cache/repeated'];
    // Server CPU per request is the headline (it moves far less than req/s on a shared machine):
    // the ratio is the floor's cost over tollgate's, so above 1 means cheaper, like req/s ratios.
    const cost = (entry) => entry?.cpuMicrosPerReq?.median;
    const floorCost = cost(fr.configs['floor/distinct']);
    const noAuthCost = cost(fr.configs['none/distinct']);
    const target = guard ? 0.9 : 0.95;
    if (t?.reqPerSec) {
      const byCpu = ratio(floorCost, cost(t));
      goals.push({
        goal: `HTTP ${fr.label}, distinct tokens: tollgate ≥ ${target}× floor ${guard ? 'guard' : 'middleware'}, by server CPU per request`,
        measured: `${x(byCpu)} (req/s ${x(t.xFloor)}; ${x(t.xBaseline)} of no auth)`,
        pass: byCpu === null ? null : byCpu >= target,
      });
    }
    if (c?.reqPerSec) {
      const byCpu = ratio(noAuthCost, cost(c));
      goals.push({
        goal: `HTTP ${fr.label}, repeated token, token cache on: ≥ 0.9× no auth, by server CPU per request`,
        measured: `${x(byCpu)} (req/s ${x(c.xBaseline)})`,
        pass: byCpu === null ? null : byCpu >= 0.9,
      });
    }
    const peers = Object.values(fr.configs).filter((e) => PEERS.includes(e.mode) && e.reqPerSec);
    if (t?.reqPerSec && peers.length > 0) {
      const best = peers.reduce((a, b) => (b.reqPerSec.median > a.reqPerSec.median ? b : a));
      goals.push({
        goal: `HTTP ${fr.label}: tollgate ahead of every peer middleware`,
        measured: `${x(ratio(t.reqPerSec.median, best.reqPerSec.median))} of ${LABELS[best.mode]}`,
        pass: t.reqPerSec.median > best.reqPerSec.median,
      });
    }
  }
  return goals;
}

export function httpMarkdown(results) {
  const s = results.settings;
  const out = [
    `autocannon on 127.0.0.1 from the orchestrator process, ${s.connections} connections, ${s.rounds} interleaved round(s) of ${s.durationSec} s per configuration after a ${s.warmSec} s warm-up; each server in its own process. ` +
      `GET /orders answers \`{ ok, sub }\` from the verified claims. ${s.alg} tokens; distinct: 20 000 tokens rotated per request; repeated: one token. Req/s is the median over rounds (min–max), p99 the median of the rounds' p99. ` +
      'Server CPU is the server process’s CPU time per wall second (1.00 = one core busy); a figure well under 1 means the server did not get a whole core (the client or other processes took it). Server CPU per request (CPU time ÷ requests) is the cost of one request; it moves less than req/s on a shared machine. Before timing, each server must answer a valid token with its claims and refuse a missing token, wrong audience, wrong issuer, expired token and bad signature with 401.',
  ];
  out.push(
    '\nSet-ups, each as its README shows it: tollgate `verify({ issuer, jwksUri, audience, algorithms })` (Nest, on platform-express and on platform-fastify with `new FastifyAdapter()`: `TollgateModule.forRoot` + global `TollgateGuard`; Fastify: `app.register(tollgate, { verifier })`), keys warmed with `verifier.ready()`; ' +
      'floor: the in-process floor behind a `Bearer ` prefix check (Nest: a guard; Fastify: an `onRequest` hook), 401 on any failure; ' +
      '@fastify/jwt with get-jwks `getPublicKey({ kid, alg, domain })` as `secret`, `decode: { complete: true }` and `verify: { algorithms, allowedIss, allowedAud, requiredClaims: [exp] }`, `request.jwtVerify()` in an `onRequest` hook; express-jwt / koa-jwt / passport-jwt with jwks-rsa `expressJwtSecret` / `koaJwtSecret` / `passportJwtSecret({ cache: true, rateLimit: true, jwksRequestsPerMinute: 5, jwksUri })` and `issuer`, `audience`, `algorithms`; ' +
      'express-oauth2-jwt-bearer `auth({ issuer, jwksUri, audience, tokenSigningAlg })`. Peers fetch their keys on the first (warm-up) request.',
  );
  for (const fr of Object.values(results.frameworks)) {
    out.push(`\n#### ${fr.label}\n`);
    const rows = Object.entries(fr.configs).map(([, e]) => {
      const label = `${e.mode.startsWith('tollgate') ? `**${LABELS[e.mode]}**` : LABELS[e.mode]}${e.workload === 'repeated' ? ', repeated token' : ''}`;
      if (!e.reqPerSec)
        return [
          label,
          e.error ?? (e.validation ? `validation failed: ${JSON.stringify(e.validation.cases)}` : 'no result'),
          '',
          '',
          '',
          '',
          '',
          '',
        ];
      return [
        label,
        `${num(e.reqPerSec.median)} (${num(e.reqPerSec.min)}–${num(e.reqPerSec.max)})`,
        `${num(e.p99.median, 0)} ms`,
        x(e.xBaseline),
        e.mode === 'none' ? '' : x(e.xFloor),
        num(e.serverCpu.median, 2),
        `${num(e.cpuMicrosPerReq.median, 0)} µs`,
        e.bad > 0 ? `${e.bad} round(s) had non-2xx/errors` : '',
      ];
    });
    out.push(
      table(['server', 'req/s', 'p99', '× no auth', '× floor', 'server CPU', 'server CPU per request', 'notes'], rows),
    );
  }
  return out.join('\n');
}

export { mark };
