// Property tests: every mutation of a valid token (bit flips, truncation, part reordering,
// re-encoding, inserted and deleted characters, spliced parts) is refused with a tollgate error,
// never another kind of exception, and within a bounded time. A mutation that happens to give
// back a valid token (the original, or another valid token through splicing) must still verify. Fixed seeds and run counts keep the runs
// reproducible and the whole file within a few seconds.
import { createVerifier, isTollgateError, type Verifier } from '@tollgate/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileOptions } from './corpus.js';
import { createFixture, type Fixture } from './fixture.js';
import { b64u, compact, parts, signer } from './jws.js';

const RUNS = 500;
const SEED = 0x7011_6a7e;
/** Longest a single verify() may take, accepted or refused. */
const MAX_MS = 1000;

let f: Fixture;
let verifier: Verifier;
const originals: Record<'RS256' | 'ES256' | 'EdDSA' | 'HS256', string> = { RS256: '', ES256: '', EdDSA: '', HS256: '' };
const timings: number[] = [];
const codes = new Map<string, number>();

beforeAll(async () => {
  f = await createFixture();
  // Migration profile: RS256, ES256, EdDSA from the issuer's JWKS and HS256 secrets, with the token
  // cache on so that the originals are cached and a mutation must not be served from the cache.
  verifier = createVerifier({ ...profileOptions('issuer-migration', f), tokenCache: true });
  const claims = f.claims({ scope: 'orders:read orders:write' });
  originals.RS256 = compact(
    { alg: 'RS256', typ: 'at+jwt', kid: f.issuer.rs.kid },
    claims,
    signer('RS256', f.issuer.rs.privateKey),
  );
  originals.ES256 = compact(
    { alg: 'ES256', typ: 'at+jwt', kid: f.issuer.es.kid },
    claims,
    signer('ES256', f.issuer.es.privateKey),
  );
  originals.EdDSA = compact(
    { alg: 'EdDSA', typ: 'at+jwt', kid: f.issuer.ed.kid },
    claims,
    signer('EdDSA', f.issuer.ed.privateKey),
  );
  originals.HS256 = compact({ alg: 'HS256', typ: 'at+jwt' }, claims, signer('HS256', f.secrets.current));
  for (const token of Object.values(originals)) await verifier.verify(token);
});

afterAll(async () => {
  await verifier?.close();
  await f?.close();
  if (timings.length > 0) {
    const sorted = [...timings].sort((a, b) => a - b);
    const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2);
    const byCode = [...codes]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    console.log(
      `mutation properties: ${timings.length} verifications, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (bound ${MAX_MS} ms)\noutcomes: ${byCode}`,
    );
  }
});

/** Verifies `token` and classifies the outcome; fails the property on anything but a tollgate refusal or an accept. */
async function outcome(token: string): Promise<'accepted' | 'refused'> {
  const started = performance.now();
  const settled = await verifier.verify(token).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const elapsed = performance.now() - started;
  timings.push(elapsed);
  if (elapsed > MAX_MS)
    throw new Error(`verify took ${elapsed.toFixed(0)} ms for ${JSON.stringify(token.slice(0, 80))}…`);
  const code = settled.ok ? 'accepted' : isTollgateError(settled.error) ? settled.error.code : 'NON-TOLLGATE ERROR';
  codes.set(code, (codes.get(code) ?? 0) + 1);
  if (settled.ok) return 'accepted';
  if (!isTollgateError(settled.error))
    throw new Error(`verify rejected with a non-tollgate error: ${String(settled.error)}`);
  return 'refused';
}

// ------------------------------------------------------------------------------------------------
// Mutations. Positions are drawn as naturals and reduced modulo the token's length when applied,
// so one arbitrary serves tokens of every length.
// ------------------------------------------------------------------------------------------------

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SPECIALS = ['.', '=', ' ', '\n', '\t', '+', '/', '-', '_', 'A', '\u0000', 'é', '\u200b', '%2E', '..'];

type Mutation =
  | { kind: 'flip-char-bit'; at: number; bit: number }
  | { kind: 'flip-decoded-bit'; part: number; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'reorder'; order: readonly [number, number, number] }
  | { kind: 're-encode'; part: number; style: 'standard' | 'padded' | 'standard-unpadded' }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'replace-char'; at: number; char: string }
  | { kind: 'toggle-case'; at: number }
  | { kind: 'splice'; part: number; from: keyof typeof originals };

const position = fc.nat({ max: 100_000 });
const partIndex = fc.integer({ min: 0, max: 2 });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip-char-bit' as const), at: position, bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    kind: fc.constant('flip-decoded-bit' as const),
    part: partIndex,
    at: position,
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('reorder' as const),
    order: fc.constantFrom(
      [0, 2, 1] as const,
      [1, 0, 2] as const,
      [1, 2, 0] as const,
      [2, 0, 1] as const,
      [2, 1, 0] as const,
      [0, 0, 2] as const,
      [1, 1, 2] as const,
      [0, 1, 1] as const,
    ),
  }),
  fc.record({
    kind: fc.constant('re-encode' as const),
    part: partIndex,
    style: fc.constantFrom('standard' as const, 'padded' as const, 'standard-unpadded' as const),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ minLength: 1, maxLength: 3, unit: 'binary' })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('replace-char' as const), at: position, char: fc.constantFrom(...BASE64URL) }),
  fc.record({ kind: fc.constant('toggle-case' as const), at: position }),
  fc.record({
    kind: fc.constant('splice' as const),
    part: partIndex,
    from: fc.constantFrom('RS256' as const, 'ES256' as const, 'EdDSA' as const, 'HS256' as const),
  }),
);

function apply(token: string, m: Mutation): string {
  const i = (n: number) => (token.length === 0 ? 0 : n % token.length);
  const list = parts(token);
  switch (m.kind) {
    case 'flip-char-bit': {
      const at = i(m.at);
      return token.slice(0, at) + String.fromCharCode(token.charCodeAt(at) ^ (1 << m.bit)) + token.slice(at + 1);
    }
    case 'flip-decoded-bit': {
      const bytes = Buffer.from(list[m.part] ?? '', 'base64url');
      if (bytes.length === 0) return token;
      const at = m.at % bytes.length;
      bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
      list[m.part] = b64u(bytes);
      return list.join('.');
    }
    case 'truncate':
      return token.slice(0, i(m.at));
    case 'reorder':
      return m.order.map((k) => list[k]).join('.');
    case 're-encode': {
      const bytes = Buffer.from(list[m.part] ?? '', 'base64url');
      const standard = bytes.toString('base64');
      list[m.part] =
        m.style === 'standard'
          ? standard
          : m.style === 'padded'
            ? `${b64u(bytes)}${'='.repeat((4 - (b64u(bytes).length % 4)) % 4)}`
            : standard.replace(/=+$/, '');
      return list.join('.');
    }
    case 'insert': {
      const at = token.length === 0 ? 0 : m.at % (token.length + 1);
      return token.slice(0, at) + m.text + token.slice(at);
    }
    case 'delete': {
      const at = i(m.at);
      return token.slice(0, at) + token.slice(at + m.count);
    }
    case 'replace-char': {
      const at = i(m.at);
      return token.slice(0, at) + m.char + token.slice(at + 1);
    }
    case 'toggle-case': {
      const at = i(m.at);
      const c = token.charAt(at);
      const toggled = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      return token.slice(0, at) + toggled + token.slice(at + 1);
    }
    case 'splice':
      list[m.part] = parts(originals[m.from])[m.part] ?? '';
      return list.join('.');
  }
}

describe('mutated tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA', 'HS256'] as const)(
    'every mutation of a valid %s token is refused with a tollgate error (accepted only when it is a valid token again)',
    async (alg) => {
      const original = originals[alg];
      // The four originals share their claims, so splicing every part from another one rebuilds that token.
      const valid = new Set(Object.values(originals));
      let changed = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const mutated = mutations.reduce(apply, original);
          const result = await outcome(mutated);
          if (!valid.has(mutated)) changed++;
          return valid.has(mutated) ? result === 'accepted' : result === 'refused';
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // The arbitraries must actually produce changed tokens most of the time, or the property proves little.
      expect(changed).toBeGreaterThan(RUNS * 0.9);
    },
  );

  it('the mutations reach every stage of verification, not only the parser', () => {
    for (const code of [
      'accepted',
      'ERR_TOKEN_MALFORMED',
      'ERR_TOKEN_SIGNATURE_INVALID',
      'ERR_ALG_NOT_ALLOWED',
      'ERR_KEY_NOT_FOUND',
    ]) {
      expect(codes.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });
});

describe('arbitrary input', () => {
  it('arbitrary strings (any UTF-16, and base64url-shaped three-part strings) are refused with a tollgate error', async () => {
    const shaped = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{0,120}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), shaped),
        async (input) => (await outcome(input)) === 'refused',
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('well-formed tokens with arbitrary headers, claims and signatures are refused with a tollgate error', async () => {
    const kid = fc.oneof(
      fc.constant(f.issuer.rs.kid),
      fc.constant(f.issuer.es.kid),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.constant(null),
    );
    const header = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom('RS256', 'ES256', 'EdDSA', 'HS256', 'PS256', 'none', 'None', 'HS512', 'ES384'),
          fc.string({ maxLength: 8 }),
        ),
        kid,
        typ: fc.oneof(fc.constantFrom('JWT', 'at+jwt'), fc.string({ maxLength: 8 })),
        crit: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
        jku: fc.constant(`${f.canary.url}/jwks.json`),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['alg'] },
    );
    const payload = fc.oneof(
      fc.record({
        iss: fc.constant(f.issuer.url),
        aud: fc.constant(f.issuer.audience),
        exp: fc.oneof(fc.constant(f.now + 600), fc.integer()),
        sub: fc.string(),
      }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(header, payload, fc.uint8Array({ maxLength: 300 }), async (h, p, sig) => {
        const token = `${b64u(h)}.${b64u(p === undefined ? null : p)}.${b64u(Buffer.from(sig))}`;
        return (await outcome(token)) === 'refused';
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(f.canary.requests).toEqual([]);
  });
});
