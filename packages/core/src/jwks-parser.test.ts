import { beforeAll, describe, expect, it } from 'vitest';
import { JwksParser } from './jwks-parser.js';
import { makeKey, type TestKey } from './testing/keys.js';
import { importJwk } from './verification-key.js';

const URL = 'https://issuer.example/jwks.json';
let rs: TestKey;
let es: TestKey;

beforeAll(() => {
  rs = makeKey('RS256', 'rs');
  es = makeKey('ES256', 'es');
});

/** A parser whose imports are counted. */
function counting(maxKeys = 100) {
  const imports: unknown[] = [];
  const parser = new JwksParser(maxKeys, (jwk) => {
    imports.push((jwk as { kid?: unknown }).kid);
    return importJwk(jwk);
  });
  return { parser, imports };
}

describe('JwksParser', () => {
  it('imports every usable entry into a key set', () => {
    const { parser } = counting();
    const { set, rejected } = parser.parse(URL, { keys: [rs.publicJwk, es.publicJwk] });
    expect(set.all.map((k) => k.kid)).toEqual(['rs', 'es']);
    expect(set.lookup('ES256', 'es')).toHaveLength(1);
    expect(rejected).toEqual([]);
  });

  it('imports an unchanged entry once across parses, so keys keep their identity', () => {
    const { parser, imports } = counting();
    const first = parser.parse(URL, { keys: [rs.publicJwk] });
    const second = parser.parse(URL, { keys: [rs.publicJwk, es.publicJwk] });
    expect(imports).toEqual(['rs', 'es']);
    expect(second.set.all[0]).toBe(first.set.all[0]);
    expect(first.set.changesTo(second.set).added.map((k) => k.kid)).toEqual(['es']);
  });

  it('reports entries it leaves out, with their reason, and keeps the rest', () => {
    const { parser } = counting();
    const { set, rejected } = parser.parse(URL, {
      keys: [
        { ...es.publicJwk, kid: 'enc', use: 'enc' },
        'not-a-key',
        rs.publicJwk,
        { kty: 'oct', kid: 'oct', k: 'c2VjcmV0' },
        { ...rs.publicJwk, kid: 7 },
      ],
    });
    expect(set.all.map((k) => k.kid)).toEqual(['rs', undefined]);
    expect(rejected).toEqual([
      { kid: 'enc', reason: 'use-not-sig' },
      { kid: undefined, reason: 'not-an-object' },
      { kid: 'oct', reason: 'symmetric' },
    ]);
  });

  it('reports the entries over the per-kid cap after the import rejections', () => {
    const { parser } = counting();
    const crowd = Array.from({ length: 5 }, (_, i) => ({ ...rs.publicJwk, 'x-copy': i }));
    const { set, rejected } = parser.parse(URL, { keys: [{ ...es.publicJwk, use: 'enc' }, ...crowd] });
    expect(set.lookup('RS256', 'rs')).toHaveLength(3);
    expect(rejected).toEqual([
      { kid: 'es', reason: 'use-not-sig' },
      { kid: 'rs', reason: 'too-many-for-kid' },
      { kid: 'rs', reason: 'too-many-for-kid' },
    ]);
  });

  it('refuses a document that is not a JWK Set, or lists more than maxKeys entries', () => {
    const { parser, imports } = counting(2);
    for (const body of [null, [], 'keys', { keys: {} }, { hello: 1 }]) {
      expect(() => parser.parse(URL, body)).toThrow(
        expect.objectContaining({
          code: 'ERR_JWKS_INVALID',
          message: `${URL} is not a JWK Set: expected a JSON object with a "keys" array.`,
        }),
      );
    }
    expect(() => parser.parse(URL, { keys: [rs.publicJwk, es.publicJwk, rs.publicJwk] })).toThrow(
      expect.objectContaining({ code: 'ERR_JWKS_INVALID', message: `${URL} lists 3 keys, over jwks.maxKeys (2).` }),
    );
    expect(imports).toEqual([]);
  });
});
