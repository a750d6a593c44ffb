import { it } from 'vitest';
import { startIssuer } from '../support/issuer.js';
import { startLoad } from './support/load.js';
import { summarize, watchEventLoop } from './support/metrics.js';
import { startServices } from './support/services.js';
import { mintLegit, TokenPool } from './support/tokens.js';

it('baseline', async () => {
  const idp = await startIssuer();
  const services = await startServices({ issuer: idp.issuerUrl, audience: idp.audience, algorithms: ['RS256'] });
  await services.warm();
  const pool = new TokenPool(() => mintLegit(idp.issuer), { size: 16, refillMs: 100, maxAgeMs: 1500 });
  await pool.start();
  for (const rate of [100, 300]) {
    const loop = watchEventLoop();
    const load = startLoad({ targets: services.list, ratePerSec: rate, maxInFlight: 32, durationMs: 6000, next: () => ({ kind: 'legit', expect: 'accept', authorization: `Bearer ${pool.pick()}` }) });
    const r = await load.done;
    const s = summarize(r.samples);
    const l = loop.stop();
    const cpu = process.cpuUsage();
    console.log(rate, s.requests, 'p50', s.p50Ms.toFixed(1), 'p99', s.p99Ms.toFixed(1), 'max', s.maxMs.toFixed(1), 'loop', l.p99Ms.toFixed(1), l.maxMs.toFixed(1), 'cpu', cpu);
    for (const svc of ['express', 'koa', 'nestjs']) {
      const lat = r.samples.filter((x) => x.service === svc).map((x) => x.latencyMs).sort((a, b) => a - b);
      console.log(svc, lat[Math.floor(lat.length * 0.5)]?.toFixed(1), lat[Math.floor(lat.length * 0.99)]?.toFixed(1));
    }
  }
  await pool.stop();
  await services.close();
  await idp.close();
}, 60000);
