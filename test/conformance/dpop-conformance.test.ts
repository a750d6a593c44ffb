// Runs every row of the DPoP / certificate-binding corpus through real request gates
// (`createGate(...).authenticate(facts)`, then `respond()` or `successHeaders()`), with tokens from
// the real mini-issuer, and checks the whole answer: status, body, error code and reason, the
// challenges (parsed by a strict reader: schemes offered, `algs`, which scheme carries the error),
// `DPoP-Nonce`, `Retry-After`, that no header value holds a control or non-ASCII character, and
// that no part of the token or proof is echoed. Prints a tally; zero false accepts, zero false rejects.
import { isTollgateError, type AnyTollgateError } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenges } from './dpop-challenge.js';
import { DPOP_CORPUS, type DpopCase, type DpopExpected } from './dpop-corpus.js';
import {
  createDpopFixture,
  PROFILES,
  type Answer,
  type DpopFixture,
  type DpopRequest,
  type Profile,
} from './dpop-fixture.js';

type Outcome = 'accepted as expected' | 'refused as expected' | 'false accept' | 'false reject' | 'other failure';

interface RowResult {
  readonly row: DpopCase;
  readonly outcome: Outcome;
  readonly detail: string;
}

let fixture: DpopFixture | undefined;
const results: RowResult[] = [];
const f = (): DpopFixture => {
  if (fixture === undefined) throw new Error('fixture not started');
  return fixture;
};

/** Printable ASCII and space only: what a header value built from request data may hold. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

const expectedText = (e: DpopExpected) =>
  'accept' in e ? `accept (${e.accept})` : `${e.status} ${e.code}${e.reason ? ` (${e.reason})` : ''}`;

/** The DPoP mode a request meets: the route's override, else the profile's. */
function modeOf(profile: Profile, request: DpopRequest): 'off' | 'allowed' | 'required' {
  const configured = (PROFILES[profile] as { dpop?: { mode?: 'off' | 'allowed' | 'required' } }).dpop?.mode ?? 'off';
  return request.route?.dpop ?? configured;
}

/** Long enough pieces of the credentials that their presence in an answer would be a leak. */
function secrets(request: DpopRequest): string[] {
  const values = [request.headers.authorization, request.headers.dpop]
    .flat()
    .filter((v): v is string => typeof v === 'string');
  return values
    .flatMap((v) => v.split(/[ .,\r\n]+/))
    .filter((piece) => piece.length >= 16 && piece !== 'DPoP' && piece !== 'Bearer');
}

/** Every problem with a refusal's answer, empty when it is exactly right. */
function checkRefusal(
  row: DpopCase,
  request: DpopRequest,
  expected: Extract<DpopExpected, { status: number }>,
  error: AnyTollgateError,
  response: NonNullable<Extract<Answer, { kind: 'refused' }>['response']>,
): string[] {
  const problems: string[] = [];
  const reason = (error as { reason?: string }).reason;
  if (error.code !== expected.code) problems.push(`code ${error.code}${reason ? ` (${reason})` : ''}`);
  if (expected.reason !== undefined && reason !== expected.reason)
    problems.push(`reason ${String(reason)}, expected ${expected.reason}`);
  if (response.status !== expected.status) problems.push(`status ${response.status}`);
  if (response.body.code !== expected.code || response.body.error !== expected.error)
    problems.push(`body ${JSON.stringify({ error: response.body.error, code: response.body.code })}`);
  if (typeof response.body.error_description !== 'string' || response.body.error_description.length === 0)
    problems.push('no error_description');
  for (const [name, value] of Object.entries(response.headers)) {
    if (!HEADER_SAFE.test(value)) problems.push(`header ${name} holds a control or non-ASCII character`);
  }
  const answerText = [error.message, JSON.stringify(response.body), ...Object.values(response.headers)].join('\n');
  if (secrets(request).some((piece) => answerText.includes(piece)))
    problems.push('the answer echoes part of the token or proof');

  const nonce = response.headers['dpop-nonce'];
  if (expected.code === 'ERR_DPOP_NONCE_REQUIRED') {
    if (nonce !== f().nonceAt(f().nowMs)) problems.push(`DPoP-Nonce ${String(nonce)}, expected the current nonce`);
  } else if (nonce !== undefined) {
    problems.push('a DPoP-Nonce header on a refusal that is not use_dpop_nonce');
  }

  if (expected.status === 503) {
    if (!/^[1-9][0-9]*$/.test(response.headers['retry-after'] ?? '')) problems.push('no Retry-After');
    if (response.headers['www-authenticate'] !== undefined) problems.push('a challenge on a 503');
    return problems;
  }
  const header = response.headers['www-authenticate'];
  const challenges = header === undefined ? undefined : parseChallenges(header);
  if (challenges === undefined) return [...problems, `WWW-Authenticate missing or malformed: ${String(header)}`];
  const mode = modeOf(row.profile, request);
  const offered = mode === 'off' ? ['Bearer'] : mode === 'required' ? ['DPoP'] : ['Bearer', 'DPoP'];
  const schemes = challenges.map((c) => c.scheme);
  if (JSON.stringify(schemes) !== JSON.stringify(offered))
    problems.push(`schemes offered ${schemes.join(', ')}, expected ${offered.join(', ')}`);
  for (const challenge of challenges) {
    if (challenge.params.realm !== 'api') problems.push(`${challenge.scheme} challenge without realm="api"`);
    if (challenge.scheme !== 'DPoP') continue;
    const algs = challenge.params.algs?.split(' ') ?? [];
    const wanted = row.profile === 'es256-only' ? ['ES256'] : undefined;
    if (
      wanted
        ? JSON.stringify(algs) !== JSON.stringify(wanted)
        : !algs.includes('ES256') || algs.some((a) => a === 'none' || a.startsWith('HS'))
    )
      problems.push(`DPoP algs="${algs.join(' ')}"`);
  }
  const withError = challenges.filter((c) => c.params.error !== undefined);
  if (expected.code === 'ERR_TOKEN_MISSING') {
    if (withError.length > 0) problems.push('an error code in the challenge of a request without credentials');
    return problems;
  }
  const authorization = request.headers.authorization;
  const usedDpop = typeof authorization === 'string' && /^dpop /i.test(authorization) && mode !== 'off';
  const errorScheme = offered.includes(usedDpop ? 'DPoP' : 'Bearer') ? (usedDpop ? 'DPoP' : 'Bearer') : offered[0];
  const carrier = withError.length === 1 ? withError[0] : undefined;
  if (
    carrier === undefined ||
    carrier.scheme !== errorScheme ||
    carrier.params.error !== expected.error ||
    carrier.params.error_description === undefined
  ) {
    problems.push(
      `error carried by ${withError.map((c) => `${c.scheme} error="${c.params.error}"`).join(', ') || 'no challenge'}, expected ${errorScheme} error="${expected.error}"`,
    );
  }
  return problems;
}

function checkAcceptance(
  row: DpopCase,
  expected: Extract<DpopExpected, { accept: string }>,
  answer: Extract<Answer, { kind: 'accepted' }>,
): string[] {
  const { auth, headers } = answer;
  if (auth === undefined) return ['accepted as anonymous'];
  const problems: string[] = [];
  if (auth.binding !== expected.accept) problems.push(`binding ${auth.binding}`);
  if (auth.jkt !== expected.jkt?.(f())) problems.push(`jkt ${String(auth.jkt)}`);
  if (auth.x5t !== expected.x5t?.(f())) problems.push(`x5t ${String(auth.x5t)}`);
  if (auth.claims.iss !== f().issuer.issuerUrl) problems.push(`iss ${String(auth.claims.iss)}`);
  const wantedHeaders =
    row.profile === 'nonce' && auth.binding === 'dpop' ? { 'dpop-nonce': f().nonceAt(f().nowMs) } : undefined;
  if (JSON.stringify(headers) !== JSON.stringify(wantedHeaders))
    problems.push(`success headers ${JSON.stringify(headers)}`);
  return problems;
}

async function evaluate(row: DpopCase): Promise<{ outcome: Outcome; detail: string }> {
  const earlier: Answer[] = [];
  for (const [index, step] of row.steps.entries()) {
    const request = await step.request(f(), earlier);
    const answer = await f().send(row.profile, request);
    earlier.push(answer);
    const at = row.steps.length > 1 ? `step ${index + 1}: ` : '';
    const expected = step.expected;
    if (answer.kind === 'accepted') {
      if (!('accept' in expected))
        return { outcome: 'false accept', detail: `${at}accepted (${answer.auth?.binding ?? 'anonymous'})` };
      const problems = checkAcceptance(row, expected, answer);
      if (problems.length > 0) return { outcome: 'other failure', detail: `${at}accepted, but ${problems.join('; ')}` };
      continue;
    }
    const { error, response } = answer;
    if (!isTollgateError(error)) return { outcome: 'other failure', detail: `${at}crashed: ${String(error)}` };
    const reason = (error as { reason?: string }).reason;
    const refused = `${at}refused ${error.code}${reason ? ` (${reason})` : ''}`;
    if ('accept' in expected) return { outcome: 'false reject', detail: `${refused}: ${error.message}` };
    if (response === undefined) return { outcome: 'other failure', detail: `${refused}, and respond() threw` };
    const problems = checkRefusal(row, request, expected, error, response);
    if (problems.length > 0) return { outcome: 'other failure', detail: `${refused}, but ${problems.join('; ')}` };
  }
  const last = row.steps.at(-1)?.expected;
  return {
    outcome: last !== undefined && 'accept' in last ? 'accepted as expected' : 'refused as expected',
    detail: 'as expected',
  };
}

beforeAll(async () => {
  fixture = await createDpopFixture();
});

afterAll(async () => {
  await fixture?.close();
  const unexpected = printSummary();
  expect(unexpected, 'rows with an unexpected outcome (see the table above)').toEqual([]);
});

describe('DPoP and certificate-binding corpus', () => {
  it('has unique row ids and covers every gate profile', () => {
    const ids = DPOP_CORPUS.map((r) => r.id);
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(DPOP_CORPUS.map((r) => r.profile))).toEqual(new Set(Object.keys(PROFILES)));
  });

  for (const row of DPOP_CORPUS) {
    const wanted = row.steps.map((s) => expectedText(s.expected)).join(' then ');
    const test = row.knownBug === undefined ? it : it.fails;
    test(`${row.id}: ${row.description} → ${wanted}`, async () => {
      const { outcome, detail } = await evaluate(row);
      results.push({ row, outcome, detail });
      const last = row.steps.at(-1)?.expected;
      const good: Outcome = last !== undefined && 'accept' in last ? 'accepted as expected' : 'refused as expected';
      expect(outcome, `${row.id} [${row.ref}] expected ${wanted}, got ${detail}. Why: ${row.reason}`).toBe(good);
    });
  }
});

function printSummary(): string[] {
  const outcomes: Outcome[] = [
    'accepted as expected',
    'refused as expected',
    'false accept',
    'false reject',
    'other failure',
  ];
  const groups = [...new Set(DPOP_CORPUS.map((r) => r.group))];
  const header = ['group', 'rows', ...outcomes];
  const lines = [...groups, 'all'].map((group) => {
    const own = results.filter((r) => group === 'all' || r.row.group === group);
    return [group, String(own.length), ...outcomes.map((o) => String(own.filter((r) => r.outcome === o).length))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const unexpected = results
    .filter((r) => !r.outcome.endsWith('as expected') && r.row.knownBug === undefined)
    .map((r) => `${r.row.id}: ${r.outcome}: ${r.detail}`);
  console.log(
    [
      '',
      'DPoP / mTLS conformance corpus (RFC 9449, RFC 8705)',
      format(header),
      ...lines.map(format),
      ...unexpected.map((u) => `  ! ${u}`),
    ].join('\n'),
  );
  return unexpected;
}
