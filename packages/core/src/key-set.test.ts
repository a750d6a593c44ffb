import { describe, expect, it } from 'vitest';
import type { Algorithm } from './algorithms.js';
import { KeySet, MAX_KEYS_PER_KID_AND_ALG } from './key-set.js';
import type { VerificationKey } from './verification-key.js';

/** A stand-in key: the key set only reads `kid` and `algorithms`. */
function key(kid: string | undefined, ...algorithms: Algorithm[]): VerificationKey {
  return { kid, source: 'jwks', algorithms: new Set(algorithms), verify: () => false };
}

describe('KeySet lookup', () => {
  const rs = key('rs', 'RS256', 'PS256');
  const es = key('es', 'ES256');
  const { set } = KeySet.build([rs, es]);

  it('answers the candidates for a kid and alg, the same list every time', () => {
    expect(set.lookup('RS256', 'rs')).toEqual([rs]);
    expect(set.lookup('PS256', 'rs')).toEqual([rs]);
    expect(set.lookup('ES256', 'es')).toBe(set.lookup('ES256', 'es'));
    expect(Object.isFrozen(set.lookup('ES256', 'es'))).toBe(true);
  });

  it('answers null for a kid it does not have, including prototype names', () => {
    expect(['other', '__proto__', 'constructor', 'toString'].map((kid) => set.lookup('RS256', kid))).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });

  it('refuses a known kid whose keys cannot verify the alg', () => {
    expect(() => set.lookup('ES256', 'rs')).toThrow(expect.objectContaining({ code: 'ERR_ALG_KEY_MISMATCH' }));
  });

  it('verifies a token without kid only when exactly one key fits its alg', () => {
    expect(set.lookup('ES256', undefined)).toEqual([es]);
    expect(set.lookup('ES384', undefined)).toBeNull();
    const { set: two } = KeySet.build([rs, key(undefined, 'RS256')]);
    expect(() => two.lookup('RS256', undefined)).toThrow(expect.objectContaining({ code: 'ERR_KEY_AMBIGUOUS' }));
  });

  it('reports what changed between two sets by key identity', () => {
    const next = KeySet.build([es, key('new', 'ES256')]).set;
    const { added, removed } = set.changesTo(next);
    expect(added.map((k) => k.kid)).toEqual(['new']);
    expect(removed).toEqual([rs]);
    expect(KeySet.EMPTY.changesTo(set).added).toEqual([rs, es]);
  });
});

describe(`at most ${MAX_KEYS_PER_KID_AND_ALG} keys per kid and alg`, () => {
  it('keeps the first keys of a crowded kid in JWKS order and reports the rest', () => {
    const crowd = Array.from({ length: 84 }, () => key('crowd', 'RS256'));
    const { set, rejected } = KeySet.build(crowd);
    expect(set.lookup('RS256', 'crowd')).toEqual(crowd.slice(0, 3));
    expect(set.size).toBe(3);
    expect(rejected).toEqual(Array.from({ length: 81 }, () => ({ kid: 'crowd', reason: 'too-many-for-kid' })));
  });

  it('counts per algorithm: a key is kept while one of its algorithms has room', () => {
    const rsOnly = [key('k', 'RS256'), key('k', 'RS256'), key('k', 'RS256')];
    const both = key('k', 'RS256', 'PS256');
    const psOnly = [key('k', 'PS256'), key('k', 'PS256'), key('k', 'PS256')];
    const { set, rejected } = KeySet.build([...rsOnly, both, ...psOnly]);
    expect(set.lookup('RS256', 'k')).toEqual(rsOnly);
    // `both` found room under PS256 only; the third PS256-only key did not.
    expect(set.lookup('PS256', 'k')).toEqual([both, psOnly[0], psOnly[1]]);
    expect(rejected).toEqual([{ kid: 'k', reason: 'too-many-for-kid' }]);
    expect(set.all).toEqual([...rsOnly, both, psOnly[0], psOnly[1]]);
  });

  it('does not cap other kids, nor keys without kid (a token without kid tries at most one)', () => {
    const many = Array.from({ length: 5 }, (_, i) => key(`k${i}`, 'ES256'));
    const anonymous = Array.from({ length: 5 }, () => key(undefined, 'EdDSA'));
    const { set, rejected } = KeySet.build([...many, ...anonymous]);
    expect(rejected).toEqual([]);
    expect(set.size).toBe(10);
  });
});
