// Runs every row of the adversarial corpus against real key servers over HTTP, under two verifier
// modes (without and with the verified-token cache, where each token is verified twice), asserts
// the exact outcome of each row, and prints the tally. Zero false accepts, zero false rejects.
import { createVerifier, isTollgateError, type Verifier } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, profileOptions, type CorpusCase, type Profile } from './corpus.js';
import { startJwksServer } from '../../packages/core/src/testing/jwks-server.mjs';
import { createFixture, ED25519_SMALL_ORDER, type Fixture } from './fixture.js';
import { compact, signer } from './jws.js';

/** `other failure`: refused with another code, a non-tollgate error, a token fragment in the message, or a failed extra check. */
type Outcome = 'accepted as expected' | 'refused as expected' | 'false accept' | 'false reject' | 'other failure';

interface Mode {
  readonly name: string;
  readonly tokenCache: boolean;
  /** How often each token is verified; the second pass of the cached mode is a cache hit for accepted tokens. */
  readonly passes: number;
}

const MODES: readonly Mode[] = [
  { name: 'no token cache', tokenCache: false, passes: 1 },
  { name: 'token cache, verified twice', tokenCache: true, passes: 2 },
];

interface RowResult {
  readonly mode: string;
  readonly row: CorpusCase;
  readonly outcome: Outcome;
  readonly detail: string;
}

let fixture: Fixture | undefined;
const verifiers = new Map<string, Verifier>();
const results: RowResult[] = [];

const f = (): Fixture => {
  if (fixture === undefined) throw new Error('fixture not started');
  return fixture;
};

function verifierFor(mode: Mode, profile: Profile): Verifier {
  const key = `${mode.name}|${profile}`;
  let verifier = verifiers.get(key);
  if (verifier === undefined) {
    verifier = createVerifier({ ...profileOptions(profile, f()), tokenCache: mode.tokenCache });
    verifiers.set(key, verifier);
  }
  return verifier;
}

/** Parts of the token long enough that their presence in a message would be a leak, not a coincidence. */
const leakable = (token: string) => token.split('.').filter((part) => part.length >= 16);

async function evaluate(row: CorpusCase, mode: Mode): Promise<{ outcome: Outcome; detail: string }> {
  const token = await row.token(f());
  const verifier = verifierFor(mode, row.profile);
  let worst: { outcome: Outcome; detail: string } | undefined;
  for (let pass = 1; pass <= mode.passes; pass++) {
    const settled = await verifier.verify(token).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    let outcome: Outcome;
    let detail: string;
    if (settled.ok) {
      outcome = 'accept' in row.expected ? 'accepted as expected' : 'false accept';
      detail = `accepted (alg ${settled.result.alg}, kid ${String(settled.result.kid)}, ${settled.result.keySource}${settled.result.cached ? ', cached' : ''})`;
      if (outcome === 'accepted as expected') {
        try {
          row.check?.(settled.result, f());
          // The cache never holds a token past its exp, so tokens accepted only by the clock tolerance are verified afresh.
          const exp = settled.result.claims.exp;
          const cacheable = typeof exp === 'number' && exp > f().now;
          if (mode.tokenCache && pass === 2 && cacheable && !settled.result.cached)
            throw new Error('second verification was not served from the token cache');
        } catch (error) {
          outcome = 'other failure';
          detail = `accepted, but: ${(error as Error).message}`;
        }
      }
    } else {
      const error = settled.error;
      if (!isTollgateError(error)) {
        outcome = 'other failure';
        detail = `rejected with a non-tollgate error: ${String(error)}`;
      } else {
        const claim = 'claim' in error ? String(error.claim) : undefined;
        detail = `refused ${error.code}${claim === undefined ? '' : ` (claim ${claim})`}`;
        const leaked = leakable(token).find((part) => error.message.includes(part));
        if (leaked !== undefined) {
          outcome = 'other failure';
          detail += ', and the message contains part of the token';
        } else if ('accept' in row.expected) {
          outcome = 'false reject';
        } else {
          const wanted = row.expected;
          outcome =
            error.code === wanted.code && (wanted.claim === undefined || wanted.claim === claim)
              ? 'refused as expected'
              : 'other failure';
        }
      }
    }
    if (worst === undefined || worst.outcome.endsWith('as expected'))
      worst = { outcome, detail: mode.passes > 1 ? `pass ${pass}: ${detail}` : detail };
  }
  return worst as { outcome: Outcome; detail: string };
}

const expectedText = (row: CorpusCase) =>
  'accept' in row.expected
    ? 'accept'
    : `${row.expected.code}${row.expected.claim ? ` (claim ${row.expected.claim})` : ''}`;

beforeAll(async () => {
  fixture = await createFixture();
});

afterAll(async () => {
  await Promise.all([...verifiers.values()].map((v) => v.close()));
  const canaryRequests = fixture?.canary.requests.length ?? 0;
  await fixture?.close();
  const summary = printSummary(canaryRequests);
  // The per-row tests already failed loudly; these make the totals themselves a gate.
  expect(summary.unexpected, 'rows with an unexpected outcome (see the table above)').toEqual([]);
  expect(canaryRequests, 'requests to the jku/x5u host').toBe(0);
});

for (const mode of MODES) {
  describe(`conformance corpus (${mode.name})`, () => {
    for (const row of CORPUS) {
      const title = `${row.id}: ${row.description} → ${expectedText(row)}`;
      const test = row.knownBug === undefined ? it : it.fails;
      test(title, async () => {
        const { outcome, detail } = await evaluate(row, mode);
        results.push({ mode: mode.name, row, outcome, detail });
        const wanted: Outcome = 'accept' in row.expected ? 'accepted as expected' : 'refused as expected';
        expect(outcome, `${row.id} [${row.ref}] expected ${expectedText(row)}, got ${detail}. Why: ${row.reason}`).toBe(
          wanted,
        );
      });
    }
  });
}

describe('hostile JWKS entries', () => {
  // The corpus asserts ERR_KEY_NOT_FOUND for these kids; this proves each was dropped for the stated reason.
  const expectedRejections: Record<string, string> = {
    enc: 'use-not-sig',
    'ops-encrypt': 'key-ops-without-verify',
    'ops-sign': 'key-ops-without-verify',
    'rsa-alg-hs256': 'unsupported-alg',
    'rsa-alg-none': 'unsupported-alg',
    'rsa-1024': 'rsa-too-small',
    'rsa-2047': 'rsa-too-small',
    'rsa-16384': 'rsa-too-large',
    'ec-private': 'private-material',
    'ec-offcurve': 'invalid-key',
    'ec-crv-mismatch': 'invalid-key',
    oct: 'symmetric',
    ed448: 'unsupported-curve',
    secp256k1: 'unsupported-curve',
    // Keys anyone can sign for (formerly known bug "weak-public-key").
    'rsa-e1': 'weak-key',
    ...Object.fromEntries(Object.keys(ED25519_SMALL_ORDER).map((kid) => [kid, 'weak-key'])),
  };

  async function rejections(): Promise<Record<string, string>> {
    const verifier = createVerifier({ ...profileOptions('hostile', f()), tokenCache: false });
    const seen: Record<string, string> = {};
    verifier.on('keys:rejected', (event) => {
      for (const { kid, reason } of event.rejected) seen[String(kid)] = reason;
    });
    try {
      await verifier.ready();
    } finally {
      await verifier.close();
    }
    return seen;
  }

  it('every entry tollgate must not use is reported in keys:rejected, with its reason', async () => {
    expect(await rejections()).toEqual(expectedRejections);
  });

  it('a JWKS crowding one kid: at most 3 keys per kid and algorithm are tried, the rest are reported and never used', async () => {
    // 84 RSA entries under one kid made every forged token with that kid cost 84 signature checks.
    // Decoys share one key's material (made distinct by an ignored member); two real keys sit at
    // positions 3 (inside the cap) and 84 (outside it).
    const decoy = (i: number) => ({ ...f().attacker.rs.jwk, kid: 'crowd', 'x-decoy': i });
    const inside = f().issuer.rs;
    const outside = f().hostile.keys['rsa-noalg'];
    const keys = [
      decoy(0),
      decoy(1),
      { ...inside.jwk, kid: 'crowd' },
      ...Array.from({ length: 80 }, (_, i) => decoy(i + 2)),
      { ...outside.jwk, kid: 'crowd', alg: 'RS256' },
    ];
    const crowd = await startJwksServer({ keys, etag: false });
    const verifier = createVerifier({
      jwksUri: crowd.jwksUri,
      audience: f().issuer.audience,
      algorithms: ['RS256'],
      clock: () => f().now * 1000,
    });
    const reasons: string[] = [];
    verifier.on('keys:rejected', (event) => reasons.push(...event.rejected.map((r) => `${String(r.kid)}:${r.reason}`)));
    const token = (key: typeof inside) =>
      compact({ alg: 'RS256', kid: 'crowd' }, f().claims(), signer('RS256', key.privateKey));
    try {
      await expect(verifier.verify(token(inside))).resolves.toMatchObject({ kid: 'crowd' });
      await expect(verifier.verify(token(outside))).rejects.toMatchObject({ code: 'ERR_TOKEN_SIGNATURE_INVALID' });
      expect(reasons).toEqual(Array.from({ length: 81 }, () => 'crowd:too-many-for-kid'));
      expect(verifier.health().sources[0]?.keys).toBe(3);
    } finally {
      await verifier.close();
      await crowd.close();
    }
  });
});

describe('attacker-controlled key URLs', () => {
  it('no jku or x5u URL was ever requested, by any row in any mode', () => {
    expect(f().canary.requests).toEqual([]);
  });
});

function printSummary(canaryRequests: number): { unexpected: string[] } {
  const outcomes: Outcome[] = [
    'accepted as expected',
    'refused as expected',
    'false accept',
    'false reject',
    'other failure',
  ];
  const header = ['mode', 'cases', ...outcomes, 'known bugs'];
  const lines: string[][] = [];
  for (const mode of MODES) {
    const own = results.filter((r) => r.mode === mode.name);
    const known = own.filter((r) => r.row.knownBug !== undefined);
    lines.push([
      mode.name,
      String(own.length),
      ...outcomes.map((o) => String(own.filter((r) => r.outcome === o && r.row.knownBug === undefined).length)),
      String(known.length),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const groups = [...new Set(CORPUS.map((r) => r.group))];
  const byGroup = groups.map((g) => {
    const rows = CORPUS.filter((r) => r.group === g);
    return `${g} ${rows.length} (${rows.filter((r) => 'accept' in r.expected).length} accept)`;
  });
  const knownBugs = CORPUS.filter((row) => row.knownBug !== undefined).map((row) => {
    const seen = results.filter((r) => r.row === row).map((r) => `${r.mode}: ${r.outcome}`);
    return `  ${row.id} (known bug "${row.knownBug}", see SECURITY.md): ${seen.join('; ')}`;
  });
  const unexpected = results
    .filter((r) => r.row.knownBug === undefined && !r.outcome.endsWith('as expected'))
    .map((r) => `${r.row.id} [${r.mode}]: ${r.outcome}: ${r.detail}`);
  console.log(
    [
      '',
      `tollgate conformance corpus: ${CORPUS.length} cases x ${MODES.length} modes, ${CORPUS.filter((r) => 'accept' in r.expected).length} must verify, ${CORPUS.filter((r) => !('accept' in r.expected)).length} must be refused`,
      format(header),
      ...lines.map(format),
      `groups: ${byGroup.join(', ')}`,
      `requests to the attacker's jku/x5u host: ${canaryRequests}`,
      ...(knownBugs.length > 0 ? ['known core bugs (rows marked it.fails until fixed):', ...knownBugs] : []),
      ...(unexpected.length > 0 ? ['UNEXPECTED:', ...unexpected.map((u) => `  ${u}`)] : []),
      '',
    ].join('\n'),
  );
  return { unexpected };
}
