// Hand-run DPoP cost check, steadier than the `dpop` section's short rounds on a loaded machine:
// N requests through createGate (dpop required, MemoryReplayStore) and N through the floor of
// lib/dpop.mjs, in one process, interleaved rounds, process CPU time per request. Proofs are made
// first into a file (the client's cost, and valid for 300 s), so a run only checks them.
// `--only=gate|floor|none` checks N proofs with one contender and exits, for instruction counts
// under `valgrind --tool=callgrind` (with `--warp`: the clock starts where the proofs were made).
// `--store=map` swaps in a bare Map as the replay store, to see what the store costs.
//   node test/bench/dpop-cpu.mjs --write=/tmp/dpop-proofs.json --n=6000      (key material + proofs: N × (rounds + 1) needed)
//   node test/bench/dpop-cpu.mjs --proofs=/tmp/dpop-proofs.json --rounds=7 --n=2000   (CPU µs/request, both)
//   valgrind --tool=callgrind node test/bench/dpop-cpu.mjs --proofs=/tmp/dpop-proofs.json --only=gate --n=2000
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createGate, nodeRequestFacts } from '@tollgate/core/adapter';
import { MemoryReplayStore } from '@tollgate/core';
import { floorVerifier } from './contenders/floor.mjs';
import { tollgateOptions } from './contenders/tollgate.mjs';
import { boundTokens, DPOP_HTU, DPOP_ORIGIN, DPOP_PATH, dpopFloor, makeClient, proofMaker } from './lib/dpop.mjs';
import { AUDIENCE, ISSUER } from './lib/fixtures.mjs';
import { startJwksServer } from './lib/jwks-server.mjs';

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
};
const N = Number(arg('n', 2000));

if (arg('write')) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const kid = 'k-rs256';
  const material = {
    keys: {
      RS256: {
        kid,
        publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
        privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
      },
    },
  };
  const client = makeClient('ES256');
  const tokens = boundTokens(material, client.jkt, 200);
  const pairs = proofMaker(client, tokens).next(N);
  writeFileSync(arg('write'), JSON.stringify({ madeAt: Date.now(), material, pairs }));
  console.log(`wrote ${N} proofs`);
  process.exit(0);
}

const { madeAt, material, pairs: allPairs } = JSON.parse(readFileSync(arg('proofs', '/tmp/dpop-proofs.json'), 'utf8'));
if (process.argv.includes('--warp')) {
  // Slow runs (valgrind): time starts where the proofs were made, so none is older than 300 s.
  const realNow = Date.now;
  const shift = madeAt + 1000 - realNow();
  Date.now = () => realNow() + shift;
}
const jwks = await startJwksServer([material.keys.RS256.publicJwk]);
const ctx = { alg: 'RS256', issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.jwksUri, key: material.keys.RS256 };
const storeSize = Number(arg('store', 2_000_000)) || 1;
const gate = createGate(tollgateOptions(ctx), {
  dpop: {
    mode: 'required',
    origin: DPOP_ORIGIN,
    proof: { algorithms: ['ES256'] },
    replayStore:
      arg('store') === 'map'
        ? {
            m: new Map(),
            useOnce(id, ttl) {
              if (this.m.has(id)) return false;
              this.m.set(id, Date.now() + ttl);
              return true;
            },
          }
        : new MemoryReplayStore({ maxEntries: storeSize }),
  },
});
await gate.verifier.ready();
const rawRequest = (authorization, proof) => ({
  method: 'GET',
  url: DPOP_PATH,
  rawHeaders: ['Host', 'api.bench.tollgate.example', 'Authorization', authorization, 'DPoP', proof],
});
const floor = dpopFloor(floorVerifier(ctx));
const contenders = {
  gate: (a, p) => gate.authenticate(nodeRequestFacts(rawRequest(a, p))).claims,
  floor: (a, p) => floor(a, p, 'GET', DPOP_HTU),
  none: (a, p) => ({ sub: a.length + p.length }),
};

function loop(check, pairs) {
  let sink = 0;
  for (let i = 0; i < pairs.length; i++) {
    const claims = check(`DPoP ${pairs[i].token}`, pairs[i].proof);
    if (claims === undefined || typeof claims.then === 'function') throw new Error('async or no claims');
    sink += claims.sub.length | 0;
  }
  return sink;
}

const only = arg('only');
if (only) {
  loop(contenders[only], allPairs.slice(0, N));
  await jwks.close();
  await gate.verifier.close();
  process.exit(0);
}

// Interleaved rounds of N each; proofs are never reused per contender.
const rounds = Number(arg('rounds', 5));
const names = arg('contenders', 'gate,floor').split(',');
const per = Object.fromEntries(names.map((n) => [n, []]));
let offset = 0;
const take = () => {
  if (offset + N > allPairs.length) throw new Error('not enough proofs: --write with a larger --n');
  const p = allPairs.slice(offset, offset + N);
  offset += N;
  return p;
};
// warm-up; each contender has its own replay store, so one batch serves every contender once.
const warm = take();
for (const n of names) loop(contenders[n], warm);
for (let r = 0; r < rounds; r++) {
  const pairs = take();
  for (const n of r % 2 ? [...names].reverse() : names) {
    const before = process.cpuUsage();
    loop(contenders[n], pairs);
    const used = process.cpuUsage(before);
    per[n].push((used.user + used.system) / N);
  }
}
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], med: s[Math.floor(s.length / 2)] };
};
const out = Object.fromEntries(names.map((n) => [n, stat(per[n])]));
for (const n of names)
  console.log(`${n.padEnd(6)} cpu µs/req min ${out[n].min.toFixed(1)} median ${out[n].med.toFixed(1)}`);
if (out.gate && out.floor)
  console.log(
    `ratio gate/floor: min ${(out.gate.min / out.floor.min).toFixed(3)} median ${(out.gate.med / out.floor.med).toFixed(3)}`,
  );
await jwks.close();
await gate.verifier.close();
