// Key-fetch discipline for one verifier with a remote key set, against the real
// @tollgate/issuer (request counters, fault injection). Three scenarios, each with a
// fresh verifier; the issuer counts the JWKS requests that reach it.
import { installTimewarp, travel } from '../lib/timewarp.mjs';

installTimewarp();

const { contender, burst, floodTokens, floodMs, floodAfterSec, outageTokens, travelSec } = JSON.parse(process.argv[2]);

const { createIssuer } = await import('@tollgate/issuer');
const { loadContender } = await import('../lib/contenders.mjs');

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error) =>
  `${error?.code ?? error?.name ?? 'Error'}: ${String(error?.message ?? error).slice(0, 120)}`;

/** Attaches handlers at once, so a rejection that comes before the batch is awaited is never unhandled. */
const outcome = (promise) =>
  Promise.resolve(promise).then(
    () => ({ ok: true }),
    (error) => ({ ok: false, error }),
  );

async function settle(outcomes) {
  const settled = await Promise.all(outcomes);
  const refused = settled.filter((s) => !s.ok);
  return {
    accepted: settled.length - refused.length,
    refused: refused.length,
    firstError: refused[0] ? describe(refused[0].error) : null,
  };
}

async function main() {
  const mod = await loadContender(contender);
  const issuer = await createIssuer({ algorithm: 'RS256' });
  const ctx = { alg: 'RS256', issuer: issuer.issuerUrl, audience: issuer.tenant().audience, jwksUri: issuer.jwksUri };
  const lifetime = 8 * 3600;
  const sign = (i) => issuer.sign({ sub: `user-${i}` }, { expiresInSec: lifetime });
  const jwksRequests = () => issuer.stats().byEndpoint.jwks;
  const out = { contender, jwksMaxAgeSec: 3600 };

  // 1. Cold cache, a burst of concurrent verifications of distinct valid tokens.
  {
    const tokens = [];
    for (let i = 0; i < burst; i++) tokens.push(await sign(i));
    const instance = await mod.setup(ctx, { warm: false });
    issuer.resetStats();
    const started = performance.now();
    const result = await settle(tokens.map((t) => outcome(instance.verify(t))));
    out.coldBurst = { tokens: burst, jwksRequests: jwksRequests(), ms: performance.now() - started, ...result };
    await instance.close?.();
  }

  // 2. Warm cache, a flood of tokens naming unknown kids, spread evenly over floodMs. It starts
  //    floodAfterSec after the warm-up fetch (the clock jumps), so no cooldown that the warm-up
  //    started is still running — as for a service that has been up for a while.
  {
    const valid = await sign(0);
    const instance = await mod.setup(ctx, { warm: false });
    await instance.verify(valid);
    travel(floodAfterSec * 1000);
    const [, payload, signature] = valid.split('.');
    const forged = (i) =>
      `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: `unknown-${i}-${Math.random().toString(36).slice(2)}` })).toString('base64url')}.${payload}.${signature}`;
    issuer.resetStats();
    const ticks = Math.max(1, Math.round(floodMs / 10));
    const perTick = Math.ceil(floodTokens / ticks);
    const pending = [];
    const started = performance.now();
    for (let sent = 0, tick = 0; sent < floodTokens; tick++) {
      for (let k = 0; k < perTick && sent < floodTokens; k++, sent++)
        pending.push(outcome(instance.verify(forged(sent))));
      const next = started + (tick + 1) * 10;
      await sleep(Math.max(0, next - performance.now()));
    }
    const result = await settle(pending);
    let knownAfter;
    try {
      await instance.verify(valid);
      knownAfter = 'accepted';
    } catch (error) {
      knownAfter = describe(error);
    }
    out.unknownKidFlood = {
      tokens: floodTokens,
      floodAfterSec,
      ms: performance.now() - started,
      jwksRequests: jwksRequests(),
      acceptedByMistake: result.accepted,
      firstError: result.firstError,
      knownKidAfter: knownAfter,
    };
    await instance.close?.();
  }

  // 3. Warm cache, then the JWKS endpoint answers 500: do known kids keep verifying,
  //    right away and after every cache's max age has passed (the clock jumps forward)?
  {
    const tokens = [];
    for (let i = 0; i < 2 * outageTokens + 1; i++) tokens.push(await sign(i));
    const instance = await mod.setup(ctx, { warm: false });
    await instance.verify(tokens[0]);
    const fault = issuer.faults.inject({ endpoint: 'jwks', kind: 'status500' });
    issuer.resetStats();
    const phase = async (list) => {
      const before = jwksRequests();
      let accepted = 0;
      let firstError = null;
      for (const t of list) {
        try {
          await instance.verify(t);
          accepted++;
        } catch (error) {
          firstError ??= describe(error);
        }
      }
      return { tokens: list.length, accepted, jwksRequests: jwksRequests() - before, firstError };
    };
    const during = await phase(tokens.slice(1, 1 + outageTokens));
    travel(travelSec * 1000);
    await sleep(50);
    const afterMaxAge = await phase(tokens.slice(1 + outageTokens));
    // An unknown kid while the endpoint is down: what does the caller get?
    const [, payload, signature] = tokens[0].split('.');
    let unknownKid;
    try {
      await instance.verify(
        `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rotated-in' })).toString('base64url')}.${payload}.${signature}`,
      );
      unknownKid = 'accepted (!)';
    } catch (error) {
      unknownKid = describe(error);
    }
    out.jwksFailing = { during, afterMaxAge, travelSec, unknownKid };
    fault.clear();
    await instance.close?.();
  }
  await issuer.close();
  await send({ type: 'ready', result: out });
  process.exit(0);
}

main().catch(async (error) => {
  await send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
