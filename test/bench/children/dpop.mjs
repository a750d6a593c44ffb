// One in-process DPoP contender in its own process: a full DPoP request check (access token +
// proof + ath + cnf.jkt + replay check), one request at a time. The parent sends
// { type: 'run', ms }; the child makes that round's proofs first (not timed: each has a fresh jti
// and its own iat), then times checking them all, and answers ops, seconds and CPU seconds.
import { createGate, nodeRequestFacts } from '@tollgate/core/adapter';
import { MemoryReplayStore } from '@tollgate/core';
import { floorVerifier } from '../contenders/floor.mjs';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { boundTokens, DPOP_HTU, DPOP_ORIGIN, DPOP_PATH, dpopFloor, makeClient, proofMaker } from '../lib/dpop.mjs';
import { AUDIENCE, ISSUER, loadMaterial, signerFor } from '../lib/fixtures.mjs';

const { contender, proofAlg, jwksUri, warmMs } = JSON.parse(process.argv[2]);
const ALG = 'RS256';
const TOKENS = 200;

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

/** The request as an adapter sees it (Node's rawHeaders: name, value, name, value…). */
const rawRequest = (authorization, proof, method = 'GET') => ({
  method,
  url: DPOP_PATH,
  rawHeaders: [
    'Host',
    'api.bench.tollgate.example',
    'Authorization',
    authorization,
    ...(proof === undefined ? [] : ['DPoP', proof]),
  ],
});

async function setup(ctx) {
  if (contender === 'tollgate') {
    // Required mode, a MemoryReplayStore sized for every proof of the run (the default 100 000 would fill up).
    const gate = createGate(tollgateOptions(ctx), {
      dpop: {
        mode: 'required',
        origin: DPOP_ORIGIN,
        proof: { algorithms: [proofAlg] },
        replayStore: new MemoryReplayStore({ maxEntries: 2_000_000 }),
      },
    });
    await gate.verifier.ready();
    return {
      check: (authorization, proof, method) => {
        const auth = gate.authenticate(nodeRequestFacts(rawRequest(authorization, proof, method)));
        return isThenable(auth) ? auth.then((a) => a.claims) : auth.claims;
      },
      close: () => gate.verifier.close(),
    };
  }
  const floor = dpopFloor(floorVerifier(ctx), { importEachTime: contender === 'floor-import' });
  return { check: (authorization, proof, method = 'GET') => floor(authorization, proof, method, DPOP_HTU) };
}

/** Proves the contender does the whole job before it is timed. */
async function validate(check, client, other, tokens, material) {
  const cases = {};
  let ok = true;
  const expect = async (name, wantAccepted, authorization, proof, method) => {
    try {
      const claims = await check(authorization, proof, method);
      cases[name] = wantAccepted && claims?.sub === 'user-0' ? 'accepted' : wantAccepted ? 'no claims' : 'ACCEPTED';
    } catch (error) {
      cases[name] = wantAccepted
        ? `refused: ${error?.code ?? ''} ${String(error?.message ?? error).slice(0, 80)}`
        : 'refused';
    }
    if (cases[name] !== (wantAccepted ? 'accepted' : 'refused')) ok = false;
  };
  const maker = proofMaker(client, tokens, { prefix: 'v' });
  const [valid] = maker.next(1);
  await expect('valid', true, `DPoP ${valid.token}`, valid.proof);
  await expect('replayed proof', false, `DPoP ${valid.token}`, valid.proof);
  const [fresh] = maker.next(1);
  await expect('as Bearer', false, `Bearer ${fresh.token}`, undefined);
  await expect('missing proof', false, `DPoP ${fresh.token}`, undefined);
  await expect('wrong htm', false, `DPoP ${fresh.token}`, fresh.proof, 'POST');
  const [wrongHtu] = proofMaker(client, tokens, { prefix: 'u', htu: `${DPOP_ORIGIN}/elsewhere` }).next(1);
  await expect('wrong htu', false, `DPoP ${wrongHtu.token}`, wrongHtu.proof);
  const [otherAth] = maker.next(1, { ath: 'A'.repeat(43) });
  await expect('ath of another token', false, `DPoP ${otherAth.token}`, otherAth.proof);
  const [stale] = maker.next(1, { iat: Math.floor(Date.now() / 1000) - 3600 });
  await expect('proof iat an hour old', false, `DPoP ${stale.token}`, stale.proof);
  // A token bound to the client's key, with a proof signed by another key: cnf.jkt does not match.
  const [otherKey] = proofMaker(other, tokens, { prefix: 'o' }).next(1);
  await expect('proof by another key', false, `DPoP ${otherKey.token}`, otherKey.proof);
  // A bound token whose exp has passed, with a good proof for it.
  const expired = signerFor(
    ALG,
    material,
  )({
    iss: ISSUER,
    sub: 'user-0',
    aud: AUDIENCE,
    iat: Math.floor(Date.now() / 1000) - 7200,
    exp: Math.floor(Date.now() / 1000) - 3600,
    cnf: { jkt: client.jkt },
  });
  const [expiredProof] = proofMaker(client, [expired], { prefix: 'e' }).next(1);
  await expect('expired token', false, `DPoP ${expired}`, expiredProof.proof);
  return { ok, cases };
}

async function loop(check, pairs) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < pairs.length; i++) {
    const result = check(`DPoP ${pairs[i].token}`, pairs[i].proof);
    if (isThenable(result)) await result;
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { ops: pairs.length, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main() {
  const material = loadMaterial();
  const ctx = { alg: ALG, issuer: ISSUER, audience: AUDIENCE, jwksUri, key: material.keys[ALG] };
  const client = makeClient(proofAlg);
  const other = makeClient(proofAlg);
  const tokens = boundTokens(material, client.jkt, TOKENS);
  const instance = await setup(ctx);
  const validation = await validate(instance.check, client, other, tokens, material);
  const maker = proofMaker(client, tokens);
  // Rate estimate, refined every round: sizes the next round's batch of proofs to about `ms`.
  let rate = 1000;
  if (validation.ok) {
    const deadline = performance.now() + warmMs;
    while (performance.now() < deadline) {
      const r = await loop(instance.check, maker.next(Math.max(50, Math.round((rate * warmMs) / 4000))));
      rate = r.ops / r.seconds;
    }
  }
  await send({ type: 'ready', validation });
  process.on('message', async (message) => {
    if (message.type === 'run') {
      try {
        const pairs = maker.next(Math.max(100, Math.round((rate * message.ms) / 1000)));
        const result = await loop(instance.check, pairs);
        rate = result.ops / result.seconds;
        await send({ type: 'result', ...result });
      } catch (error) {
        await send({ type: 'result', error: `${error?.code ?? ''} ${String(error?.message ?? error)}`.trim() });
      }
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
