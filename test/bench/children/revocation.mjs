// One revocation configuration in its own process: tollgate verifiers (RS256, token cache off for
// `distinct`, on for `cached`) with no revocation check, an empty RevocationList, or a list of
// `rules` rules. The parent sends { type: 'run', workload, ms } (interleaved like the in-process
// section) and { type: 'direct', ms }: the time of `revoked(claims)` alone, over decoded claims.
import { createVerifier, RevocationList } from '@tollgate/core';
import { tollgateOptions } from '../contenders/tollgate.mjs';
import { AUDIENCE, ISSUER, claims, loadMaterial, loadTokens, signerFor } from '../lib/fixtures.mjs';

const { config, jwksUri, warmMs, rules } = JSON.parse(process.argv[2]);
const ALG = 'RS256';

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}

/**
 * `count` rules in three equal parts: jti rules naming no bench token; subject rules, half of them
 * for bench subjects (user-0…) revoked before the tokens were issued, so the lookup finds a rule
 * and compares `iat` but does not refuse; client rules, one of them for the bench tokens'
 * `client_id`, also before their `iat`. Rules live 7 days, so none expires during the run.
 */
function fillList(list, count, signedAtSec) {
  const before = new Date((signedAtSec - 3600) * 1000);
  const lifetimeMs = 7 * 86_400_000;
  const exp = Math.floor(Date.now() / 1000) + 7 * 86_400;
  const third = Math.floor(count / 3);
  for (let i = 0; i < count - 2 * third; i++) list.revoke({ jti: `revoked-${i.toString(36)}-${i * 7919}`, exp });
  for (let i = 0; i < third; i++)
    list.revoke({ sub: i % 2 === 0 ? `user-${i >> 1}` : `gone-${i}`, before, lifetimeMs });
  for (let i = 0; i < third; i++)
    list.revoke({ clientId: i === 0 ? 'bench-client' : `client-${i}`, before, lifetimeMs });
}

const isThenable = (value) => value !== null && typeof value === 'object' && typeof value.then === 'function';

async function loop(verify, tokens, ms, state) {
  const n = tokens.length;
  let i = state.cursor;
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  for (;;) {
    for (let k = 0; k < state.chunk; k++) {
      const result = verify(tokens[i]);
      if (isThenable(result)) await result;
      i = i + 1 === n ? 0 : i + 1;
    }
    ops += state.chunk;
    if (performance.now() >= deadline) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  state.cursor = i;
  return { ops, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** `revoked()` alone over the decoded claims of the distinct tokens: ns per call (CPU time). */
function direct(list, claimList, ms) {
  const now = Date.now();
  let hits = 0;
  let calls = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    for (let i = 0; i < claimList.length; i++) if (list.revoked(claimList[i], now) !== undefined) hits++;
    calls += claimList.length;
  }
  const used = process.cpuUsage(cpu);
  return { calls, nsPerCall: ((used.user + used.system) * 1000) / calls, hits };
}

async function main() {
  const material = loadMaterial();
  const tokens = loadTokens(ALG);
  const ctx = { alg: ALG, issuer: ISSUER, audience: AUDIENCE, jwksUri };
  const list = config === 'none' ? undefined : new RevocationList();
  const signToken = signerFor(ALG, material);
  const nowSec = Math.floor(Date.now() / 1000);
  const revokedToken = signToken(claims(999_999, nowSec));
  if (list && config === 'rules') {
    fillList(list, rules - 1, tokens.signedAtSec);
    const { jti, exp } = JSON.parse(Buffer.from(revokedToken.split('.')[1], 'base64url').toString('utf8'));
    list.revoke({ jti, exp });
  }
  const distinct = createVerifier(tollgateOptions(ctx, list ? { revocation: list } : {}));
  const cached = createVerifier(
    tollgateOptions(ctx, list ? { revocation: list, tokenCache: true } : { tokenCache: true }),
  );
  await Promise.all([distinct.ready(), cached.ready()]);

  // Proof the configuration does what it says before timing.
  const cases = {};
  let ok = true;
  for (const [name, verifier] of Object.entries({ distinct, cached })) {
    try {
      const { claims: c } = await verifier.verify(tokens.distinct[0]);
      cases[`${name}: valid`] = c.sub === 'user-0' ? 'accepted' : 'no claims';
    } catch (error) {
      cases[`${name}: valid`] = `refused: ${error?.code}`;
    }
    if (cases[`${name}: valid`] !== 'accepted') ok = false;
    if (config === 'rules') {
      try {
        await verifier.verify(revokedToken);
        cases[`${name}: revoked jti`] = 'ACCEPTED';
        ok = false;
      } catch (error) {
        cases[`${name}: revoked jti`] = error?.code === 'ERR_TOKEN_REVOKED' ? 'refused' : `refused as ${error?.code}`;
        if (error?.code !== 'ERR_TOKEN_REVOKED') ok = false;
      }
    }
  }
  const workloads = {
    distinct: { verify: (t) => distinct.verify(t), tokens: tokens.distinct, cursor: 1, chunk: 1 },
    cached: { verify: (t) => cached.verify(t), tokens: [tokens.distinct[0]], cursor: 0, chunk: 1 },
  };
  const claimList = tokens.distinct.map((t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')));
  if (ok) {
    for (const w of Object.values(workloads)) {
      await loop(w.verify, w.tokens, warmMs / 2, w);
      const probe = await loop(w.verify, w.tokens, warmMs / 2, w);
      w.chunk = Math.max(1, Math.round(probe.ops / probe.seconds / 1000));
    }
    if (list) direct(list, claimList, warmMs / 2);
  }
  await send({ type: 'ready', validation: { ok, cases }, rules: list?.size ?? 0 });
  process.on('message', async (message) => {
    try {
      if (message.type === 'run') {
        const w = workloads[message.workload];
        await send({ type: 'result', ...(await loop(w.verify, w.tokens, message.ms, w)) });
      } else if (message.type === 'direct') {
        await send({ type: 'result', ...(list ? direct(list, claimList, message.ms) : { nsPerCall: 0, calls: 0 }) });
      } else if (message.type === 'exit') {
        await Promise.all([distinct.close(), cached.close()]);
        process.exit(0);
      }
    } catch (error) {
      await send({ type: 'result', error: `${error?.code ?? ''} ${String(error?.message ?? error)}`.trim() });
    }
  });
}

main().catch(async (error) => {
  await send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
