// Peak RSS of one tollgate verifier (token cache on, default 10 000 entries) fed distinct
// invalid tokens, then distinct valid tokens. Tokens are made on the fly and dropped, so
// what stays in memory is the verifier's. Run with --expose-gc.
import { createVerifier } from '@tollgate/core';
import { AUDIENCE, ISSUER, loadMaterial, loadTokens, signerFor } from '../lib/fixtures.mjs';

const { jwksUri, invalidTokens, validTokens } = JSON.parse(process.argv[2]);

function send(message) {
  return new Promise((resolve) => process.send(message, resolve));
}
const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const b64u = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function snapshot() {
  globalThis.gc();
  const m = process.memoryUsage();
  return { rssMiB: mb(m.rss), heapUsedMiB: mb(m.heapUsed), externalMiB: mb(m.external) };
}

async function feed(verifier, count, make, expectValid) {
  let peak = process.memoryUsage.rss();
  let wrong = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    try {
      await verifier.verify(make(i));
      if (!expectValid) wrong++;
    } catch {
      if (expectValid) wrong++;
    }
    if ((i & 1023) === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
    }
  }
  const rss = process.memoryUsage.rss();
  return {
    count,
    seconds: (performance.now() - started) / 1000,
    peakRssMiB: mb(Math.max(peak, rss)),
    rssMiB: mb(rss),
    unexpected: wrong,
  };
}

async function main() {
  const material = loadMaterial();
  const rsValid = loadTokens('RS256').distinct[0];
  const rsSignature = rsValid.slice(rsValid.lastIndexOf('.') + 1);
  const rsHeader = b64u({ alg: 'RS256', typ: 'JWT', kid: material.keys.RS256.kid });
  const signHs = signerFor('HS256', material);
  const signEs = signerFor('ES256', material);
  const nowSec = Math.floor(Date.now() / 1000);
  // Distinct claims without the random jti of fixtures.claims(): making a token must cost little next to verifying it.
  const fastClaims = (i, overrides) => ({
    iss: ISSUER,
    sub: `user-${i}`,
    aud: AUDIENCE,
    iat: nowSec,
    exp: nowSec + 3600,
    jti: `m${i}`,
    scope: 'orders:read orders:write',
    ...overrides,
  });

  const verifier = createVerifier({
    issuer: ISSUER,
    jwksUri,
    audience: AUDIENCE,
    algorithms: ['RS256', 'ES256', 'HS256'],
    hs256: { secrets: [material.hsSecret] },
    tokenCache: true,
  });
  await verifier.ready();
  await verifier.verify(rsValid);
  // The warm-up token above is the one cache entry before the invalid phase.
  const out = {
    tokenCacheMaxEntries: 10_000,
    baseline: { ...snapshot(), tokenCacheSize: verifier.stats().tokenCache?.size ?? null },
  };

  // Five kinds of invalid token in turn, each distinct: malformed, unknown kid, bad signature (RS256, a real
  // signature check), and validly signed HS256 tokens that are expired or for another audience.
  const makeInvalid = (i) => {
    switch (i % 5) {
      case 0:
        return `eyJ${i.toString(36)}x.${i.toString(36)}.${i.toString(36)}`;
      case 1:
        return `${b64u({ alg: 'RS256', kid: `k-${i}` })}.${b64u(fastClaims(i))}.${rsSignature}`;
      case 2:
        return `${rsHeader}.${b64u(fastClaims(i))}.${rsSignature}`;
      case 3:
        return signHs(fastClaims(i, { iat: nowSec - 7200, exp: nowSec - 3600 }));
      default:
        return signHs(fastClaims(i, { aud: 'another-api' }));
    }
  };
  out.invalid = await feed(verifier, invalidTokens, makeInvalid, false);
  out.invalid.after = snapshot();
  const afterInvalid = verifier.stats();
  out.invalid.refusedByCode = afterInvalid.refusedByCode;
  out.invalid.tokenCacheSize = afterInvalid.tokenCache?.size ?? null;

  out.valid = await feed(verifier, validTokens, (i) => signEs(fastClaims(i)), true);
  out.valid.after = snapshot();
  const afterValid = verifier.stats();
  out.valid.tokenCacheSize = afterValid.tokenCache?.size ?? null;
  out.valid.tokenCache = afterValid.tokenCache ?? null;
  out.stats = afterValid;
  await verifier.close();
  await send({ type: 'ready', result: out });
  process.exit(0);
}

main().catch(async (error) => {
  await send({ type: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});
