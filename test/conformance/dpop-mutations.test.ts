// Property tests on whole DPoP requests: random mutations of a valid request (proof bytes, the
// Authorization and DPoP headers, the method, the request target) are refused with a tollgate
// error and a well-formed answer, never a crash, and are accepted only when the mutation left the
// request the same (an equivalent spelling: scheme case, query, percent-encoding of unreserved
// characters). A second set of properties re-signs proofs with one claim replaced by an arbitrary
// value, and checks the gate against an oracle written here from RFC 9449 and RFC 3986. Fixed seeds
// and run counts keep the runs reproducible and the file within a few seconds.
import { isTollgateError } from '@tollgate/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopRequest, proof } from './dpop-corpus.js';
import {
  ath,
  createDpopFixture,
  ORIGIN,
  PATH,
  TARGET,
  type Answer,
  type DpopFixture,
  type DpopRequest,
} from './dpop-fixture.js';
import { parts } from './jws.js';

const RUNS = 400;
const CLAIM_RUNS = 200;
const SEED = 0xd909_7e57;
/** Longest a single authenticate() may take, accepted or refused. */
const MAX_MS = 1000;
/** Printable ASCII and space only. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

let f: DpopFixture;
let token: string;
const codes = new Map<string, number>();
let slowest = 0;

beforeAll(async () => {
  f = await createDpopFixture();
  token = await f.bound('es256');
});

afterAll(async () => {
  await f?.close();
  const byCode = [...codes]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  console.log(
    `DPoP mutation properties: slowest request ${slowest.toFixed(2)} ms (bound ${MAX_MS} ms)\noutcomes: ${byCode}`,
  );
});

/** Sends through the `allowed` gate; throws (failing the property) on a crash, a malformed answer or a slow answer. */
async function send(request: DpopRequest): Promise<Answer> {
  const started = performance.now();
  const answer = await f.send('allowed', request);
  const elapsed = performance.now() - started;
  slowest = Math.max(slowest, elapsed);
  if (elapsed > MAX_MS) throw new Error(`authenticate took ${elapsed.toFixed(0)} ms`);
  if (answer.kind === 'accepted') {
    codes.set('accepted', (codes.get('accepted') ?? 0) + 1);
    return answer;
  }
  if (!isTollgateError(answer.error)) throw new Error(`crashed: ${String(answer.error)}`);
  codes.set(answer.error.code, (codes.get(answer.error.code) ?? 0) + 1);
  const response = answer.response;
  if (response === undefined) throw new Error(`respond() threw for ${answer.error.code}`);
  for (const [name, value] of Object.entries(response.headers)) {
    if (!HEADER_SAFE.test(value))
      throw new Error(`header ${name} holds a control or non-ASCII character: ${JSON.stringify(value)}`);
  }
  if (response.status !== answer.error.status || response.body.code !== answer.error.code)
    throw new Error('answer and error disagree');
  return answer;
}

// ------------------------------------------------------------------------------------------------
// The oracle: when are two requests the same request? Written from RFC 3986 6.2.2-6.2.3 and
// RFC 9110 11.1 here, independently of the core's normalization.
// ------------------------------------------------------------------------------------------------

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const PCHAR_OR_SLASH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;

/** RFC 3986 normal form of a path (percent-encoding, dot segments), or undefined when no URI may carry it. */
function canonicalPath(path: string): string | undefined {
  if (path === '') return '/';
  if (!path.startsWith('/') || /[^\x21-\x7e]/.test(path)) return undefined;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '%') {
      const hex = path.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      const decoded = String.fromCharCode(Number.parseInt(hex, 16));
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      i += 2;
    } else {
      out += PCHAR_OR_SLASH.test(c) ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  const segments: string[] = [];
  const input = out.split('/').slice(1);
  input.forEach((segment, index) => {
    const last = index === input.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') segments.pop();
      if (last) segments.push('');
    } else {
      segments.push(segment);
    }
  });
  return `/${segments.join('/')}`;
}

/** The path of a request target (origin-form only; anything else is not the same request). */
const targetPath = (target: string) => (target.startsWith('/') ? canonicalPath(target.split(/[?#]/)[0]!) : undefined);

/** True when `htu` names https://api.example.com/orders/7 (query and fragment ignored). */
function sameHtu(htu: unknown): boolean {
  if (typeof htu !== 'string' || /[^\x21-\x7e]/.test(htu)) return false;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(htu);
  if (match === null || match[1]!.toLowerCase() !== 'https' || match[2]!.includes('@')) return false;
  const authority = /^([^:]*)(?::([0-9]*))?$/.exec(match[2]!);
  if (authority === null || authority[1]!.toLowerCase() !== 'api.example.com') return false;
  const port = authority[2];
  if (port !== undefined && port !== '' && !(port.length <= 5 && Number(port) === 443)) return false;
  return canonicalPath(match[3]!) === PATH;
}

/** The meaning of a request, as far as DPoP is concerned; equal keys are the same request. */
function meaning(request: DpopRequest): string | undefined {
  const authorization = request.headers.authorization;
  const dpop = request.headers.dpop;
  if (typeof authorization !== 'string' || typeof dpop !== 'string') return undefined;
  const credential = /^dpop +([^ ]+) *$/i.exec(authorization);
  const path = targetPath(request.url);
  if (credential === null || path === undefined) return undefined;
  return JSON.stringify([request.method, path, credential[1], dpop.trim()]);
}

// ------------------------------------------------------------------------------------------------
// Request mutations
// ------------------------------------------------------------------------------------------------

const SPECIALS = [
  '.',
  ',',
  '=',
  ' ',
  '\t',
  '\r\n',
  '\n',
  '\u0000',
  'é',
  '\u200b',
  '%',
  '%37',
  '%2F',
  '%7e',
  '/',
  '/./',
  '/../',
  '?',
  '#',
  '@',
  ':',
  '"',
  '\\',
  'A',
  '-',
  '_',
];
const METHODS = ['GET', 'get', 'Get', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'GET ', ' GET', 'GET\r\n', ''];

type Mutation =
  | { kind: 'proof-flip'; at: number; bit: number }
  | { kind: 'proof-decoded-flip'; part: number; at: number; bit: number }
  | { kind: 'proof-truncate'; at: number }
  | { kind: 'proof-insert'; at: number; text: string }
  | { kind: 'proof-delete'; at: number; count: number }
  | { kind: 'proof-swap-parts'; a: number; b: number }
  | { kind: 'proof-twice'; joiner: string }
  | { kind: 'dpop-header-twice' }
  | { kind: 'dpop-header-drop' }
  | { kind: 'scheme'; value: string }
  | { kind: 'scheme-spaces'; count: number }
  | { kind: 'token-insert'; at: number; text: string }
  | { kind: 'authorization-twice' }
  | { kind: 'method'; value: string }
  | { kind: 'target-insert'; at: number; text: string }
  | { kind: 'target-delete'; at: number }
  | { kind: 'query'; value: string };

const position = fc.nat({ max: 10_000 });
const special = fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ minLength: 1, maxLength: 3 }));
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('proof-flip' as const), at: position, bit: fc.nat({ max: 6 }) }),
  fc.record({
    kind: fc.constant('proof-decoded-flip' as const),
    part: fc.nat({ max: 2 }),
    at: position,
    bit: fc.nat({ max: 7 }),
  }),
  fc.record({ kind: fc.constant('proof-truncate' as const), at: position }),
  fc.record({ kind: fc.constant('proof-insert' as const), at: position, text: special }),
  fc.record({ kind: fc.constant('proof-delete' as const), at: position, count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('proof-swap-parts' as const), a: fc.nat({ max: 2 }), b: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('proof-twice' as const), joiner: fc.constantFrom(',', ', ', ' ', '') }),
  fc.constant({ kind: 'dpop-header-twice' as const }),
  fc.constant({ kind: 'dpop-header-drop' as const }),
  fc.record({
    kind: fc.constant('scheme' as const),
    value: fc.constantFrom('dpop', 'DPOP', 'Bearer', 'bearer', 'DPoP-', 'Basic', '', 'DPoP\t'),
  }),
  fc.record({ kind: fc.constant('scheme-spaces' as const), count: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ kind: fc.constant('token-insert' as const), at: position, text: special }),
  fc.constant({ kind: 'authorization-twice' as const }),
  fc.record({
    kind: fc.constant('method' as const),
    value: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 8 })),
  }),
  fc.record({ kind: fc.constant('target-insert' as const), at: position, text: special }),
  fc.record({ kind: fc.constant('target-delete' as const), at: position }),
  fc.record({ kind: fc.constant('query' as const), value: fc.string({ maxLength: 12 }) }),
);

const insertAt = (value: string, at: number, text: string) => {
  const i = at % (value.length + 1);
  return value.slice(0, i) + text + value.slice(i);
};

function mutate(request: DpopRequest, mutation: Mutation): DpopRequest {
  const headers: Record<string, string | readonly string[]> = { ...request.headers };
  const proofValue = String([headers.dpop].flat()[0] ?? '');
  const authorization = String([headers.authorization].flat()[0] ?? '');
  const withProof = (value: string) => ({ ...request, headers: { ...headers, dpop: value } });
  switch (mutation.kind) {
    case 'proof-flip': {
      const i = mutation.at % proofValue.length;
      return withProof(
        proofValue.slice(0, i) +
          String.fromCharCode(proofValue.charCodeAt(i) ^ (1 << mutation.bit)) +
          proofValue.slice(i + 1),
      );
    }
    case 'proof-decoded-flip': {
      const list = parts(proofValue);
      const bytes = Buffer.from(list[mutation.part]!, 'base64url');
      if (bytes.length === 0) return withProof(proofValue);
      bytes[mutation.at % bytes.length]! ^= 1 << mutation.bit;
      list[mutation.part] = bytes.toString('base64url');
      return withProof(list.join('.'));
    }
    case 'proof-truncate':
      return withProof(proofValue.slice(0, mutation.at % proofValue.length));
    case 'proof-insert':
      return withProof(insertAt(proofValue, mutation.at, mutation.text));
    case 'proof-delete': {
      const i = mutation.at % proofValue.length;
      return withProof(proofValue.slice(0, i) + proofValue.slice(i + mutation.count));
    }
    case 'proof-swap-parts': {
      const list = parts(proofValue);
      [list[mutation.a], list[mutation.b]] = [list[mutation.b]!, list[mutation.a]!];
      return withProof(list.join('.'));
    }
    case 'proof-twice':
      return withProof(`${proofValue}${mutation.joiner}${proofValue}`);
    case 'dpop-header-twice':
      return { ...request, headers: { ...headers, dpop: [proofValue, proofValue] } };
    case 'dpop-header-drop': {
      const { dpop: _dropped, ...rest } = headers;
      return { ...request, headers: rest };
    }
    case 'scheme':
      return { ...request, headers: { ...headers, authorization: authorization.replace(/^\S*/, mutation.value) } };
    case 'scheme-spaces':
      return {
        ...request,
        headers: { ...headers, authorization: authorization.replace(' ', ' '.repeat(mutation.count)) },
      };
    case 'token-insert': {
      const [scheme = '', value = ''] = authorization.split(' ');
      return {
        ...request,
        headers: { ...headers, authorization: `${scheme} ${insertAt(value, mutation.at, mutation.text)}` },
      };
    }
    case 'authorization-twice':
      return { ...request, headers: { ...headers, authorization: [authorization, authorization] } };
    case 'method':
      return { ...request, method: mutation.value };
    case 'target-insert':
      return { ...request, url: insertAt(request.url, mutation.at, mutation.text) };
    case 'target-delete': {
      const i = mutation.at % request.url.length;
      return { ...request, url: request.url.slice(0, i) + request.url.slice(i + 1) };
    }
    case 'query':
      return { ...request, url: `${request.url.split('?')[0]}?${encodeURIComponent(mutation.value)}` };
  }
}

describe('DPoP request mutations', () => {
  it('are refused with a tollgate error and a clean answer, and accepted only when the request means the same', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (mutations) => {
        // A fresh proof per run: an accepted equivalent spends its jti.
        const original = dpopRequest(token, proof(f, token));
        const mutant = mutations.reduce(mutate, original);
        const answer = await send(mutant);
        const same = meaning(mutant) === meaning(original);
        if (answer.kind === 'accepted') {
          accepted++;
          if (!same) throw new Error(`a changed request was accepted: ${JSON.stringify(mutations)}`);
          expect(answer.auth).toMatchObject({ binding: 'dpop', jkt: f.keys.es256.jkt });
        } else {
          refused++;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Both kinds occur, so the property exercised both branches.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(RUNS / 2);
  });

  it('the unchanged request is accepted once, then refused as a replay', async () => {
    const request = dpopRequest(token, proof(f, token));
    expect((await send(request)).kind).toBe('accepted');
    const again = await send(request);
    expect(again.kind === 'refused' && isTollgateError(again.error) ? again.error.code : 'accepted').toBe(
      'ERR_DPOP_PROOF_REPLAYED',
    );
  });
});

// ------------------------------------------------------------------------------------------------
// One claim replaced, proof re-signed by the right key
// ------------------------------------------------------------------------------------------------

/** Variations of a string: characters inserted, deleted or replaced. */
const nearMiss = (value: string) =>
  fc.tuple(position, fc.nat({ max: 2 }), special).map(([at, op, text]) => {
    const i = at % (value.length + 1);
    return op === 0
      ? value.slice(0, i) + text + value.slice(i)
      : op === 1
        ? value.slice(0, i) + value.slice(i + 1)
        : value.slice(0, i) + text + value.slice(i + text.length);
  });

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.constantFrom(null, true, 0, -1, 1e308, '', []),
);

interface ClaimCase {
  readonly name: string;
  readonly values: () => fc.Arbitrary<unknown>;
  /** Whether the value, in place of the original, still makes a valid proof. */
  readonly valid: (value: unknown) => boolean;
  readonly header?: boolean;
}

const CLAIMS: readonly ClaimCase[] = [
  {
    name: 'htm',
    values: () => fc.oneof(anyValue, fc.constantFrom(...METHODS), nearMiss('GET')),
    valid: (v) => v === 'GET',
  },
  {
    name: 'htu',
    values: () =>
      fc.oneof(
        anyValue,
        nearMiss(`${ORIGIN}${PATH}`),
        nearMiss(`${ORIGIN}${TARGET}`),
        fc.constantFrom(
          `HTTPS://API.EXAMPLE.COM:443${PATH}`,
          `${ORIGIN}/orders/%37`,
          `${ORIGIN}/orders/./7`,
          `${ORIGIN}/x/../orders/7`,
        ),
      ),
    valid: sameHtu,
  },
  {
    name: 'ath',
    values: () => fc.oneof(anyValue, nearMiss(ath(token)), fc.constant(ath(token))),
    valid: (v) => v === ath(token),
  },
  {
    name: 'iat',
    values: () =>
      fc.oneof(
        anyValue,
        fc.integer({ min: -400, max: 400 }).map((d) => f.nowSec + d),
        fc.double({ min: f.nowSec - 400, max: f.nowSec + 400, noNaN: true }),
      ),
    valid: (v) => typeof v === 'number' && v * 1000 >= f.nowMs - 300_000 && v * 1000 <= f.nowMs + 5000,
  },
  {
    name: 'jti',
    values: () => fc.oneof(anyValue, fc.string({ minLength: 250, maxLength: 260 })),
    valid: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 256,
  },
  {
    name: 'typ',
    header: true,
    values: () => fc.oneof(anyValue, nearMiss('dpop+jwt'), fc.constantFrom('DPOP+JWT', 'application/dpop+jwt', 'JWT')),
    valid: (v) => v === 'dpop+jwt',
  },
];

describe('DPoP proofs with one claim replaced and re-signed', () => {
  const spent = new Set<unknown>();
  for (const claim of CLAIMS) {
    it(`${claim.name}: accepted exactly when the value is one RFC 9449 accepts`, async () => {
      await fc.assert(
        fc.asyncProperty(claim.values(), async (value) => {
          const spec = claim.header ? { header: { [claim.name]: value } } : { claims: { [claim.name]: value } };
          const answer = await send(dpopRequest(token, proof(f, token, spec)));
          // A jti the generator repeats was spent by its first acceptance: the repeat is a replay.
          const wanted = claim.valid(value) && !(claim.name === 'jti' && spent.has(value));
          if (answer.kind === 'accepted' && claim.name === 'jti') spent.add(value);
          if ((answer.kind === 'accepted') !== wanted) {
            const got =
              answer.kind === 'accepted' ? 'accepted' : isTollgateError(answer.error) ? answer.error.code : 'crash';
            throw new Error(
              `${claim.name} = ${JSON.stringify(value)}: ${got}, expected ${wanted ? 'accepted' : 'refused'}`,
            );
          }
        }),
        { numRuns: CLAIM_RUNS, seed: SEED },
      );
    });
  }
});
