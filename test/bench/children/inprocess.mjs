// One in-process contender for one algorithm, in its own process. The parent sends
// { type: 'run', workload, ms } and gets back ops and seconds; rounds of all contenders
// are interleaved by the parent.
import { AUDIENCE, ISSUER, loadMaterial, loadTokens } from '../lib/fixtures.mjs';
import { loadContender, validateContender } from '../lib/contenders.mjs';

const { contender, alg, jwksUri, warmMs } = JSON.parse(process.argv[2]);

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

/** Sequential loop: one verification at a time, awaited only when the verifier returned a promise. */
async function loop(verify, tokens, ms, chunk, state) {
  const n = tokens.length;
  let i = state.cursor;
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  for (;;) {
    for (let k = 0; k < chunk; k++) {
      const result = verify(tokens[i]);
      if (isThenable(result)) await result;
      i = i + 1 === n ? 0 : i + 1;
    }
    ops += chunk;
    if (performance.now() >= deadline) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  state.cursor = i;
  // CPU time of the whole process (all threads: jose's WebCrypto work runs on libuv threads).
  return { ops, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main() {
  const material = loadMaterial();
  const tokens = loadTokens(alg);
  const mod = await loadContender(contender);
  const ctx = {
    alg,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri,
    key: material.keys[alg],
    hsSecret: material.hsSecret,
  };
  const instance = await mod.setup(ctx);
  const validation = await validateContender(instance.verify, tokens);
  const workloads = {
    distinct: { tokens: tokens.distinct, chunk: 1, cursor: 1 },
    repeated: { tokens: [tokens.distinct[0]], chunk: 1, cursor: 0 },
  };
  if (validation.ok) {
    // Warm-up (JIT, key caches), then size the chunk between clock reads to ~1 ms.
    for (const w of Object.values(workloads)) {
      await loop(instance.verify, w.tokens, warmMs / 2, 1, w);
      const probe = await loop(instance.verify, w.tokens, warmMs / 2, 1, w);
      w.chunk = Math.max(1, Math.round(probe.ops / probe.seconds / 1000));
    }
  }
  await send({ type: 'ready', validation });
  process.on('message', async (message) => {
    if (message.type === 'run') {
      const w = workloads[message.workload];
      try {
        const result = await loop(instance.verify, w.tokens, message.ms, w.chunk, w);
        await send({ type: 'result', ...result });
      } catch (error) {
        await send({ type: 'result', error: `${error?.code ?? ''} ${String(error?.message ?? error)}`.trim() });
      }
    } else if (message.type === 'stats') {
      await send({ type: 'stats', stats: instance.verifier?.stats?.() ?? null });
    } else if (message.type === 'exit') {
      await instance.close?.();
      process.exit(0);
    }
  });
}

main().catch(async (error) => {
  await send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
