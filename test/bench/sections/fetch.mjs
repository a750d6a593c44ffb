// Key-fetch discipline: one child per verifier with a remote key set, each with its own issuer.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.mjs';
import { loadContender } from '../lib/contenders.mjs';
import { num, table } from '../lib/report.mjs';

const CHILD = fileURLToPath(new URL('../children/fetch.mjs', import.meta.url));
export const FETCH_CONTENDERS = ['tollgate', 'jose-remote', 'jsonwebtoken', 'fast-jwt-get-jwks', 'aws-jwt-verify'];
/** tollgate's default jwks.cooldownMs. */
const TOLLGATE_COOLDOWN_MS = 10_000;

export async function runFetch({ settings, log }) {
  const results = { settings, contenders: {} };
  for (const id of FETCH_CONTENDERS) {
    const started = performance.now();
    const { info } = await loadContender(id);
    try {
      const child = await startChild(CHILD, [JSON.stringify({ contender: id, ...settings })], {
        readyTimeoutMs: 180_000,
      });
      results.contenders[id] = {
        label: info.label,
        ...child.ready.result,
        seconds: (performance.now() - started) / 1000,
      };
      await child.stop();
    } catch (error) {
      results.contenders[id] = {
        label: info.label,
        error: String(error.message).slice(0, 400),
        seconds: (performance.now() - started) / 1000,
      };
    }
    const r = results.contenders[id];
    log(
      `  ${id}: ${r.error ? `failed: ${r.error}` : `cold burst ${r.coldBurst.jwksRequests} request(s), flood ${r.unknownKidFlood.jwksRequests}, outage ${r.jwksFailing.during.accepted}/${r.jwksFailing.during.tokens} then ${r.jwksFailing.afterMaxAge.accepted}/${r.jwksFailing.afterMaxAge.tokens} accepted`} (${r.seconds.toFixed(1)} s)`,
    );
  }
  return results;
}

export function fetchGoals(results) {
  const t = results.contenders.tollgate;
  if (!t || t.error) return [{ goal: 'Key-fetch discipline (tollgate)', measured: t?.error ?? 'not run', pass: false }];
  const floodLimit = Math.max(1, Math.ceil(results.settings.floodMs / TOLLGATE_COOLDOWN_MS));
  const f = t.jwksFailing;
  return [
    {
      goal: `Exactly 1 JWKS request for a cold-start burst of ${t.coldBurst.tokens} concurrent verifications`,
      measured: `${t.coldBurst.jwksRequests}`,
      pass: t.coldBurst.jwksRequests === 1,
    },
    {
      goal: `At most 1 JWKS request per cooldown (10 s) under ${t.unknownKidFlood.tokens} unknown kids over ${results.settings.floodMs / 1000} s`,
      measured: `${t.unknownKidFlood.jwksRequests}`,
      pass: t.unknownKidFlood.jwksRequests <= floodLimit,
    },
    {
      goal: 'Known kids keep verifying while the JWKS endpoint fails, also after the max age',
      measured: `${f.during.accepted}/${f.during.tokens} during, ${f.afterMaxAge.accepted}/${f.afterMaxAge.tokens} after max age`,
      pass: f.during.accepted === f.during.tokens && f.afterMaxAge.accepted === f.afterMaxAge.tokens,
    },
  ];
}

export function fetchMarkdown(results) {
  const s = results.settings;
  const out = [
    'Each verifier runs with its library defaults in its own process, against its own `@tollgate/issuer` (RS256, JWKS with `Cache-Control: max-age=3600` and an ETag); the issuer counts the JWKS requests that reach it. A fresh verifier per scenario. ' +
      `**Cold burst**: ${s.burst} distinct valid tokens verified concurrently by a verifier that has fetched nothing. ` +
      `**Unknown-kid flood**: after one warm-up verification and ${s.floodAfterSec} s later (the process clock jumps, so a cooldown started by the warm-up has run out, as for a service that has been up a while), ${s.floodTokens} tokens with random unknown kids, spread evenly over ${s.floodMs / 1000} s. ` +
      `**JWKS failing**: after a warm-up verification, the endpoint answers 500 to every request; ${s.outageTokens} distinct known-kid tokens are verified at once, then another ${s.outageTokens} after the clock jumps ${s.travelSec / 3600} h (past the max age of every cache here: tollgate 1 h from Cache-Control, jose and jwks-rsa 10 min, get-jwks 1 min; aws-jwt-verify's cache has none). ` +
      'aws-jwt-verify gets an http fetcher (it only speaks https); everything else is default.',
    '',
  ];
  const rows = Object.entries(results.contenders).map(([id, r]) => {
    const label = id === 'tollgate' ? `**${r.label}**` : r.label;
    if (r.error) return [label, r.error, '', '', '', '', ''];
    const f = r.jwksFailing;
    return [
      label,
      `${r.coldBurst.jwksRequests}${r.coldBurst.refused ? ` (${r.coldBurst.refused} refused)` : ''}`,
      `${r.unknownKidFlood.jwksRequests}${r.unknownKidFlood.knownKidAfter === 'accepted' ? '' : ` (known kid afterwards: ${r.unknownKidFlood.knownKidAfter})`}`,
      `${f.during.accepted}/${f.during.tokens} (${f.during.jwksRequests} req.)`,
      `${f.afterMaxAge.accepted}/${f.afterMaxAge.tokens} (${f.afterMaxAge.jwksRequests} req.)${f.afterMaxAge.firstError ? ` — ${f.afterMaxAge.firstError.slice(0, 70)}` : ''}`,
      (f.unknownKid ?? '').replace(/https?:\/\/\S+/g, '<jwks>').slice(0, 80),
      num(r.seconds, 1),
    ];
  });
  out.push(
    table(
      [
        'verifier',
        `cold burst of ${s.burst}: JWKS requests`,
        `${s.floodTokens} unknown kids / ${s.floodMs / 1000} s: JWKS requests`,
        'JWKS failing: known kids accepted',
        `… after +${s.travelSec / 3600} h`,
        'unknown kid while failing',
        's',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'l', 'l', 'r'],
    ),
  );
  return out.join('\n');
}
