// Micro-benchmark of the DPoP building blocks, run by hand. The cost of a whole DPoP request
// (token + proof + replay check through createGate, against its node:crypto floor, in-process and
// on Express) is in `pnpm bench --only=dpop`; this file keeps what that section does not measure:
// verifyDpopProof alone against one signature verification + the SHA-256 of the token, proof-key
// cache on and off, htu normalization, and the heap of a full MemoryReplayStore (the figure its
// maxEntries documentation quotes). It imports sources, so bundle and run it from the repository root:
//
//   packages/core/node_modules/.bin/tsdown test/bench/dpop-proof-micro.ts --format esm --platform node --out-dir /tmp/dpop-micro --no-dts
//   node --expose-gc /tmp/dpop-micro/dpop-proof-micro.mjs
//
// Figures are reported, never asserted; take the best of the rounds on a busy machine.
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { createDpopProofPolicy } from '../../packages/core/src/dpop/dpop-proof-policy.js';
import { accessTokenHash, verifyDpopProof } from '../../packages/core/src/dpop/dpop-proof.js';
import { normalizeHtu, requestHtu, resolveHtuOrigin } from '../../packages/core/src/dpop/htu.js';
import { MemoryReplayStore } from '../../packages/core/src/dpop/replay-store.js';

const HTU = 'https://api.example.com/orders/7';
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(600)}.sig`;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

type Alg = 'ES256' | 'EdDSA' | 'RS256';

function keyFor(alg: Alg) {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, pair, jwk: pair.publicKey.export({ format: 'jwk' }) };
}

function signInput(alg: Alg, key: KeyObject, input: string): Buffer {
  if (alg === 'ES256') return sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), key);
}

function verifyInput(alg: Alg, key: KeyObject, input: string, signature: Buffer): boolean {
  if (alg === 'ES256') return verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (alg === 'EdDSA') return verify(null, Buffer.from(input), key, signature);
  return verify('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}

/** `n` distinct proofs of one client key (one jti each), as a client sends them. */
function proofs(key: ReturnType<typeof keyFor>, n: number, iat: number): string[] {
  const header = b64({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk });
  return Array.from({ length: n }, () => {
    const input = `${header}.${b64({ jti: randomUUID(), htm: 'GET', htu: HTU, iat, ath: accessTokenHash(TOKEN) })}`;
    return `${input}.${signInput(key.alg, key.pair.privateKey, input).toString('base64url')}`;
  });
}

function time(label: string, n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 500); i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const perOpUs = Number(process.hrtime.bigint() - start) / 1000 / n;
  console.log(`${label.padEnd(60)} ${perOpUs.toFixed(2).padStart(8)} µs/op`);
  return perOpUs;
}

const nowMs = Date.now();
const iat = Math.floor(nowMs / 1000);
for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
  const key = keyFor(alg);
  const n = alg === 'ES256' ? 4000 : 8000;
  console.log(`--- ${alg}`);
  time('createPublicKey(jwk) alone', n, () => createPublicKey({ key: key.jwk, format: 'jwk' }));
  const list = proofs(key, n, iat);
  const parts = list.map(
    (proof) =>
      [
        proof.slice(0, proof.lastIndexOf('.')),
        Buffer.from(proof.slice(proof.lastIndexOf('.') + 1), 'base64url'),
      ] as const,
  );
  const cached = createDpopProofPolicy();
  const uncached = createDpopProofPolicy({ keyCacheMaxEntries: 0 });
  const expected = (policy: typeof cached) => ({ method: 'GET', htu: HTU, accessToken: TOKEN, nowMs, policy });
  const best = { floor: Infinity, on: Infinity, off: Infinity };
  for (let round = 0; round < 5; round++) {
    best.floor = Math.min(
      best.floor,
      time(
        'floor: crypto.verify on a KeyObject + sha256(token)',
        n,
        (i) => verifyInput(alg, key.pair.publicKey, parts[i]![0], parts[i]![1]) && accessTokenHash(TOKEN),
      ),
    );
    best.on = Math.min(
      best.on,
      time('verifyDpopProof, key cache on', n, (i) => verifyDpopProof(list[i]!, expected(cached))),
    );
    best.off = Math.min(
      best.off,
      time('verifyDpopProof, key cache off (an import per proof)', n, (i) =>
        verifyDpopProof(list[i]!, expected(uncached)),
      ),
    );
  }
  console.log(
    `BEST ${alg}: floor ${best.floor.toFixed(1)} µs, cache on ${best.on.toFixed(1)} µs (${(best.on / best.floor).toFixed(2)}x floor), ` +
      `cache off ${best.off.toFixed(1)} µs (${(best.off / best.floor).toFixed(2)}x); the cache saves ${(((best.off - best.on) / best.off) * 100).toFixed(0)}%`,
  );
}

console.log('--- htu');
const origin = resolveHtuOrigin('https://api.example.com');
time('normalizeHtu, already canonical', 200_000, () => normalizeHtu(HTU));
time('normalizeHtu, percent-encoding and dot segments', 200_000, () =>
  normalizeHtu('HTTPS://API.example.com:443/a/./b/../%7eorders/%2f7'),
);
time('requestHtu, fixed origin', 200_000, () => requestHtu(origin, { target: '/orders/7?expand=items' }));

console.log('--- replay store');
const jkt = createHash('sha256').update('k').digest('base64url');
const ids = Array.from({ length: 100_000 }, () => `${jkt}:${randomUUID()}`);
const timed = new MemoryReplayStore({ maxEntries: 100_000 });
time('MemoryReplayStore.useOnce, 100k distinct ids', 100_000, (i) => timed.useOnce(ids[i]!, 305_000));
/** Collects until nothing more goes: one pass leaves garbage of the sections above for the next to free. */
const collect = () => {
  for (let i = 0; i < 4; i++) globalThis.gc?.();
};
function fullStore(jtiChars: number): MemoryReplayStore {
  const store = new MemoryReplayStore({ maxEntries: 100_000 });
  for (let i = 0; i < 100_000; i++) {
    // Ids built as verifyDpopProof builds them: a jti parsed from JSON, joined to the thumbprint.
    const jti = (JSON.parse(JSON.stringify({ jti: randomUUID().repeat(8).slice(0, jtiChars) })) as { jti: string }).jti;
    store.useOnce(`${jkt}:${jti}`, 305_000);
  }
  return store;
}
/** Heap a full store holds, in MiB. A function of its own, so the store is garbage once it returns. */
function storeHeapMiB(jtiChars: number): number {
  collect();
  const base = process.memoryUsage().heapUsed;
  const store = fullStore(jtiChars);
  collect();
  const mib = (process.memoryUsage().heapUsed - base) / 1024 / 1024;
  return store.size === 100_000 ? mib : Number.NaN;
}
for (const jtiChars of [36, 256])
  console.log(`heap of a full 100k store, ${jtiChars}-character jti: ${storeHeapMiB(jtiChars).toFixed(1)} MiB`);
