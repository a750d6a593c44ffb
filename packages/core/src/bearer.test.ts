import { describe, expect, it } from 'vitest';
import { extractToken, readCredentials } from './bearer.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('extractToken', () => {
  it('reads Authorization: Bearer with any scheme casing', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER'])
      expect(extractToken({ authorization: `${scheme} ${T}` })).toBe(T);
    expect(extractToken({ authorization: [`Bearer ${T}`] })).toBe(T);
  });

  it('reads one b64token between any number of spaces, with its trailing "=" padding', () => {
    expect(extractToken({ authorization: `Bearer   ${T}  ` })).toBe(T);
    expect(extractToken({ authorization: 'Bearer a-._~+/Z9==' })).toBe('a-._~+/Z9==');
  });

  it('treats no header and other schemes as no token', () => {
    expect(extractToken({ authorization: undefined })).toBeUndefined();
    expect(extractToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
  });

  it.each([
    ['an empty bearer', 'Bearer'],
    ['a bearer with spaces only', 'Bearer    '],
    ['a token with a space inside', `Bearer ${T} extra`],
    ['a token with invalid characters', 'Bearer a,b'],
    ['"=" inside a token', 'Bearer a=b'],
    ['a tab after the token', `Bearer ${T}\t`],
    ['a non-ASCII character', `Bearer ${T}\u00e9`],
    ['a newline after the token', `Bearer ${T}\n`],
  ])('refuses %s as invalid_request', (_name, authorization) => {
    expect(() => extractToken({ authorization })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID', status: 400 }),
    );
  });

  it('refuses repeated Authorization headers and tokens in two places', () => {
    expect(() => extractToken({ authorization: [`Bearer ${T}`, `Bearer ${T}`] })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID' }),
    );
    expect(() =>
      extractToken({ authorization: `Bearer ${T}`, url: `/x?access_token=${T}` }, { query: 'access_token' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID' }));
  });

  it('reads cookies and query parameters only when configured', () => {
    expect(extractToken({ authorization: undefined, url: `/x?access_token=${T}` })).toBeUndefined();
    expect(extractToken({ authorization: undefined, url: `/x?access_token=${T}` }, { query: 'access_token' })).toBe(T);
    expect(extractToken({ authorization: undefined, cookie: `a=1; session=${T}` })).toBeUndefined();
    expect(extractToken({ authorization: undefined, cookie: `a=1; session=${T}` }, { cookie: 'session' })).toBe(T);
  });

  it('refuses an oversized header', () => {
    expect(() => extractToken({ authorization: `Bearer ${'a'.repeat(20_000)}` })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_TOO_LARGE' }),
    );
  });
});

describe('readCredentials', () => {
  it('reads the DPoP scheme (any casing) only when DPoP is on, and cookie/query tokens as Bearer', () => {
    expect(readCredentials({ authorization: `DPoP ${T}` })).toBeUndefined();
    for (const scheme of ['DPoP', 'dpop', 'DPOP'])
      expect(readCredentials({ authorization: `${scheme} ${T}` }, {}, { dpop: true })).toEqual({
        scheme: 'dpop',
        token: T,
      });
    expect(readCredentials({ authorization: `bearer ${T}` }, {}, { dpop: true })).toEqual({
      scheme: 'bearer',
      token: T,
    });
    expect(readCredentials({ authorization: undefined, cookie: `s=${T}` }, { cookie: 's' }, { dpop: true })).toEqual({
      scheme: 'bearer',
      token: T,
    });
  });

  it('refuses a malformed DPoP header, two schemes in two headers, and a DPoP token in a second place', () => {
    expect(() => readCredentials({ authorization: `DPoP ${T} ${T}` }, {}, { dpop: true })).toThrow(
      expect.objectContaining({
        code: 'ERR_TOKEN_REQUEST_INVALID',
        message: expect.stringContaining('"DPoP <token>"'),
      }),
    );
    expect(() => readCredentials({ authorization: [`DPoP ${T}`, `Bearer ${T}`] }, {}, { dpop: true })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID', status: 400 }),
    );
    expect(() =>
      readCredentials({ authorization: `DPoP ${T}`, cookie: `s=${T}` }, { cookie: 's' }, { dpop: true }),
    ).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_REQUEST_INVALID' }));
  });
});
