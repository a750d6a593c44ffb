import { describe, expect, it } from 'vitest';
import { decodeCompactJws, HeaderMemo } from './compact-jws.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const good = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'x' })}.c2ln`;

describe('decodeCompactJws', () => {
  it('decodes a well-formed compact JWS', () => {
    const decoded = decodeCompactJws(good, 8192);
    expect(decoded.header).toEqual({ alg: 'RS256', kid: 'k' });
    expect(decoded.payload).toEqual({ sub: 'x' });
    expect(decoded.signingInput).toBe(good.slice(0, good.lastIndexOf('.')));
    expect(decoded.signature.toString()).toBe('sig');
  });

  it.each([
    ['a non-string', 42, 'ERR_TOKEN_MALFORMED'],
    ['an empty string', '', 'ERR_TOKEN_MALFORMED'],
    ['one part', b64({ alg: 'RS256' }), 'ERR_TOKEN_MALFORMED'],
    ['two parts', `${b64({ alg: 'RS256' })}.${b64({})}`, 'ERR_TOKEN_MALFORMED'],
    ['five parts (JWE)', 'a.b.c.d.e', 'ERR_TOKEN_MALFORMED'],
    ['an empty signature', `${b64({ alg: 'RS256' })}.${b64({})}.`, 'ERR_TOKEN_MALFORMED'],
    ['an empty header', `.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['an empty payload', `${b64({ alg: 'RS256' })}..c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['padding', `${b64({ alg: 'RS256' })}=.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['standard base64 characters', `${b64({ alg: 'RS256' })}.${b64({})}.c2+/`, 'ERR_TOKEN_MALFORMED'],
    ['whitespace', ` ${good}`, 'ERR_TOKEN_MALFORMED'],
    ['a non-canonical last character', `${b64({ alg: 'RS256' })}.${b64({})}.c2l`, 'ERR_TOKEN_MALFORMED'],
    // Node decodes U+0163 like 'c' and U+0142 like 'B' (their low bytes): canonical-looking, still refused.
    [
      'a character above U+00FF in the signature',
      `${b64({ alg: 'RS256' })}.${b64({})}.\u01632ln`,
      'ERR_TOKEN_MALFORMED',
    ],
    ['a character above U+00FF in the payload', `${b64({ alg: 'RS256' })}.eyJ\u0142IjoxfQ.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['an impossible base64 length', `${b64({ alg: 'RS256' })}.${b64({})}.c2lnA`, 'ERR_TOKEN_MALFORMED'],
    ['a non-JSON header', `${b64('not json')}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['an array header', `${b64([1])}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['a null payload', `${b64({ alg: 'RS256' })}.${b64(null)}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['a string payload', `${b64({ alg: 'RS256' })}.${b64('"hi"')}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    [
      'invalid UTF-8',
      `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${b64({})}.c2ln`,
      'ERR_TOKEN_MALFORMED',
    ],
    ['no alg', `${b64({ kid: 'k' })}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['a numeric alg', `${b64({ alg: 1 })}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['a non-string kid', `${b64({ alg: 'RS256', kid: 7 })}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['a non-string typ', `${b64({ alg: 'RS256', typ: {} })}.${b64({})}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['crit', `${b64({ alg: 'RS256', crit: ['exp'], exp: 1 })}.${b64({})}.c2ln`, 'ERR_TOKEN_CRIT_UNSUPPORTED'],
    ['b64: false', `${b64({ alg: 'RS256', b64: false, crit: ['b64'] })}.${b64({})}.c2ln`, 'ERR_TOKEN_CRIT_UNSUPPORTED'],
    ['over the size cap', `${b64({ alg: 'RS256' })}.${b64({ pad: 'x'.repeat(9000) })}.c2ln`, 'ERR_TOKEN_TOO_LARGE'],
  ])('refuses %s', (_name, token, code) => {
    expect(() => decodeCompactJws(token, 8192)).toThrow(expect.objectContaining({ code }));
  });

  it('handles a deeply nested payload within the size cap without crashing', () => {
    const nested = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    const token = `${b64({ alg: 'RS256' })}.${b64(`{"a":${nested}}`)}.c2ln`;
    expect(decodeCompactJws(token, 16_384).payload).toHaveProperty('a');
  });

  it('decodes a header once per header text with a memo, and never serves one for another text of the same length', () => {
    const memo = new HeaderMemo();
    const a = `${b64({ alg: 'RS256', kid: 'a' })}.${b64({ sub: '1' })}.c2ln`;
    const b = `${b64({ alg: 'RS256', kid: 'b' })}.${b64({ sub: '2' })}.c2ln`;
    const first = decodeCompactJws(a, 8192, memo).header;
    const headers = [a, b, b, a, a].map((token) => decodeCompactJws(token, 8192, memo).header);
    expect(headers.map((h) => h.kid)).toEqual(['a', 'b', 'b', 'a', 'a']);
    expect([headers[0] === first, headers[3] === first, memo.size]).toEqual([true, true, 2]);
    // A bad header text is checked even right after a good one of the same length.
    const good = `${b64({ alg: 'RS256', kid: 'c' })}.${b64({})}.c2ln`;
    const bad = `${b64({ alg: 'RS256', kid: 777 })}.${b64({})}.c2ln`;
    expect(bad.indexOf('.')).toBe(good.indexOf('.'));
    expect(decodeCompactJws(good, 8192, memo).header.kid).toBe('c');
    expect(() => decodeCompactJws(bad, 8192, memo)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }));
  });
});
