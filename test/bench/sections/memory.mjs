// Memory: peak RSS of a tollgate verifier with the token cache on, under distinct invalid and valid tokens.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.mjs';
import { num, table } from '../lib/report.mjs';

const CHILD = fileURLToPath(new URL('../children/memory.mjs', import.meta.url));

export async function runMemory({ jwksUri, settings, log }) {
  const started = performance.now();
  const child = await startChild(CHILD, [JSON.stringify({ jwksUri, ...settings })], {
    execArgv: ['--expose-gc'],
    readyTimeoutMs: 600_000,
  });
  const result = child.ready.result;
  await child.stop();
  result.seconds = (performance.now() - started) / 1000;
  log(
    `  baseline ${result.baseline.rssMiB} MiB; ${result.invalid.count} invalid: peak ${result.invalid.peakRssMiB} MiB (${result.invalid.seconds.toFixed(1)} s); ${result.valid.count} valid: peak ${result.valid.peakRssMiB} MiB, cache ${result.valid.tokenCacheSize} entries (${result.valid.seconds.toFixed(1)} s)`,
  );
  return { settings, ...result };
}

/** Heap held per cached token, from the heap growth while the cache filled. */
function perEntryKiB(r) {
  const entries = r.valid.tokenCacheSize - r.invalid.tokenCacheSize;
  return entries > 0 ? ((r.valid.after.heapUsedMiB - r.invalid.after.heapUsedMiB) * 1024) / entries : null;
}

export function memoryGoals(r) {
  const kib = perEntryKiB(r);
  const bounded =
    r.invalid.tokenCacheSize === r.baseline.tokenCacheSize &&
    r.valid.tokenCacheSize <= r.tokenCacheMaxEntries &&
    r.invalid.unexpected === 0 &&
    r.valid.unexpected === 0;
  return [
    {
      goal: 'Memory bounded by the configured cache sizes',
      measured:
        `peak RSS ${num(r.invalid.peakRssMiB, 0)} MiB after ${r.invalid.count.toLocaleString('en-US')} invalid tokens (baseline ${num(r.baseline.rssMiB, 0)}), ${num(r.valid.peakRssMiB, 0)} MiB after ${r.valid.count.toLocaleString('en-US')} valid; ` +
        `token cache ${r.baseline.tokenCacheSize} → ${r.invalid.tokenCacheSize} → ${r.valid.tokenCacheSize} of ${r.tokenCacheMaxEntries} entries (~${num(kib, 1)} KiB heap each)`,
      pass: bounded,
    },
  ];
}

export function memoryMarkdown(r) {
  const kib = perEntryKiB(r);
  const out = [
    `One tollgate verifier (RS256 + ES256 from the local JWKS, HS256 migration secret, \`tokenCache: true\` = ${r.tokenCacheMaxEntries.toLocaleString('en-US')} entries) in a process started with \`--expose-gc\`. Tokens are made on the fly and dropped after each call, so what stays is the verifier's. ` +
      `Invalid tokens, in turn: malformed, unknown kid, bad RS256 signature (a real signature check), HS256 expired, HS256 for another audience — every one distinct. Valid tokens: distinct ES256 tokens. ` +
      'Peak RSS is sampled every 1 024 verifications; “after GC” is after a forced full collection.',
    '',
    table(
      [
        'phase',
        'tokens',
        'time',
        'peak RSS',
        'RSS after GC',
        'heap used after GC',
        'token cache entries',
        'refused as expected',
      ],
      [
        [
          'baseline (verifier ready, keys loaded, one token verified)',
          '',
          '',
          '',
          `${num(r.baseline.rssMiB, 1)} MiB`,
          `${num(r.baseline.heapUsedMiB, 1)} MiB`,
          String(r.baseline.tokenCacheSize),
          '',
        ],
        [
          'distinct invalid tokens',
          r.invalid.count.toLocaleString('en-US'),
          `${num(r.invalid.seconds, 1)} s`,
          `${num(r.invalid.peakRssMiB, 1)} MiB`,
          `${num(r.invalid.after.rssMiB, 1)} MiB`,
          `${num(r.invalid.after.heapUsedMiB, 1)} MiB`,
          String(r.invalid.tokenCacheSize),
          r.invalid.unexpected === 0 ? 'all' : `${r.invalid.unexpected} accepted (!)`,
        ],
        [
          'then distinct valid tokens',
          r.valid.count.toLocaleString('en-US'),
          `${num(r.valid.seconds, 1)} s`,
          `${num(r.valid.peakRssMiB, 1)} MiB`,
          `${num(r.valid.after.rssMiB, 1)} MiB`,
          `${num(r.valid.after.heapUsedMiB, 1)} MiB`,
          String(r.valid.tokenCacheSize),
          r.valid.unexpected === 0 ? 'all accepted' : `${r.valid.unexpected} refused (!)`,
        ],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    `Refusals by code: ${Object.entries(r.invalid.refusedByCode ?? {})
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')}. ` +
      `A full cache holds about ${num(kib, 1)} KiB of heap per entry (the token string as the key, its decoded header and claims, the result object).`,
  ];
  return out.join('\n');
}
