import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTollgateError } from '../errors.js';
import { HTU, NOW_MS, makeProof, makeProofKey } from '../testing/dpop-proofs.js';
import { createDpopProofPolicy } from './dpop-proof-policy.js';
import { accessTokenHash, verifyDpopProof, type DpopProofExpectation } from './dpop-proof.js';

const policy = createDpopProofPolicy();
const expected: DpopProofExpectation = { method: 'GET', htu: HTU, accessToken: 'access-token', nowMs: NOW_MS, policy };
const es = makeProofKey('ES256');
const ed = makeProofKey('EdDSA');

/** The outcome of verifying `proof`: 'accepted', a tollgate error code, or 'crash: …' for anything else. */
function outcome(proof: string): string {
  try {
    verifyDpopProof(proof, expected);
    return 'accepted';
  } catch (error) {
    return isTollgateError(error) && error.code.startsWith('ERR_DPOP_') ? error.code : `crash: ${String(error)}`;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \r\n\u0000\u00e9{}"';
const char = fc.constantFrom(...ALPHABET);

/** One textual edit of a proof: replace, insert or delete a character, or truncate. */
const edit = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(length - 1), char }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(length), char }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(length - 1) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(length - 1) }),
  );

function applyEdit(proof: string, e: { kind: string; at: number; char?: string }): string {
  if (e.kind === 'replace') return proof.slice(0, e.at) + e.char + proof.slice(e.at + 1);
  if (e.kind === 'insert') return proof.slice(0, e.at) + e.char + proof.slice(e.at);
  if (e.kind === 'delete') return proof.slice(0, e.at) + proof.slice(e.at + 1);
  return proof.slice(0, e.at);
}

/** Replaces one member of the decoded header or payload by an arbitrary JSON value, keeping the signature. */
function withMember(proof: string, part: 0 | 1, name: string, value: unknown): string {
  const parts = proof.split('.');
  const json = JSON.parse(Buffer.from(parts[part]!, 'base64url').toString()) as Record<string, unknown>;
  if (value === undefined) delete json[name];
  else json[name] = value;
  parts[part] = Buffer.from(JSON.stringify(json)).toString('base64url');
  return parts.join('.');
}

describe('verifyDpopProof under random mutation', () => {
  it.each([
    ['ES256', es],
    ['EdDSA', ed],
  ])('refuses every textual edit of a valid %s proof with a DPoP error, never a crash', async (_alg, key) => {
    const proof = await makeProof(key, { ath: accessTokenHash('access-token') });
    expect(outcome(proof)).toBe('accepted');
    fc.assert(
      fc.property(fc.array(edit(proof.length), { minLength: 1, maxLength: 4 }), (edits) => {
        const mutated = edits.reduce(applyEdit, proof);
        fc.pre(mutated !== proof);
        expect(outcome(mutated)).toMatch(/^ERR_DPOP_/);
      }),
      { numRuns: 1500 },
    );
  });

  it('refuses any change of a header or claim member with a DPoP error, never a crash', async () => {
    const proof = await makeProof(es, { ath: accessTokenHash('access-token') });
    expect(outcome(proof)).toBe('accepted');
    const header = ['typ', 'alg', 'jwk', 'kid', 'jku', 'x5c', 'crit', 'b64'];
    const claims = ['jti', 'htm', 'htu', 'iat', 'exp', 'nbf', 'ath', 'nonce'];
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        fc.nat(7),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        (part, index, value) => {
          const mutated = withMember(proof, part, (part === 0 ? header : claims)[index]!, value);
          fc.pre(mutated !== proof);
          expect(outcome(mutated)).toMatch(/^ERR_DPOP_/);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses arbitrary strings with a DPoP error, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.array(fc.base64String(), { maxLength: 4 }).map((p) => p.join('.')),
        ),
        (input) => {
          expect(outcome(input)).toMatch(/^ERR_DPOP_/);
        },
      ),
      { numRuns: 500 },
    );
  });
});
