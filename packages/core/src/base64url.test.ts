import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAscii, isCanonicalBase64url } from './base64url.js';

/** The definition the fast check must match: decoding and re-encoding gives the text back. */
const reencodes = (part: string) => Buffer.from(part, 'base64url').toString('base64url') === part;
/** How compact-jws.ts decides: the fast check for ASCII text, the re-encoding otherwise. */
const canonical = (part: string) =>
  isAscii(part) ? isCanonicalBase64url(part, Buffer.from(part, 'base64url')) : reencodes(part);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Characters Node's decoder treats specially: the other alphabet, padding, whitespace, bytes it
// skips, and characters above U+00FF, which it reads by their low byte ('Ł' is U+0141, 'A' + 0x100).
const SPECIAL = '+/= \t\r\n.\u0000\u007f\u0080\u00e9\u00ff\u0100\u0141\u4141\u{1f600}';

describe('isCanonicalBase64url', () => {
  it('agrees with decode-and-re-encode on every string, including ones Node decodes leniently', () => {
    const mostlyBase64 = fc
      .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ALPHABET) }, fc.constantFrom(...SPECIAL)), {
        maxLength: 16,
      })
      .map((chars) => chars.join(''));
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(mostlyBase64, fc.string({ unit: 'binary', maxLength: 12 })), (part) => {
        const expected = reencodes(part);
        if (expected) accepted++;
        expect(canonical(part)).toBe(expected);
      }),
      { numRuns: 10_000 },
    );
    // Both answers must occur, or the property says little.
    expect(accepted).toBeGreaterThan(500);
  });

  it.each([
    ['a canonical two-character tail', 'AQ', true],
    ['spare bits set in a two-character tail', 'AR', false],
    ['spare bits set in a three-character tail', 'AAB', false],
    ['padding', 'AQ==', false],
    ['standard base64 characters', 'A+/A', false],
    ['an impossible length', 'ABCDE', false],
  ])('%s', (_name, part, expected) => {
    expect(isCanonicalBase64url(part, Buffer.from(part, 'base64url'))).toBe(expected);
  });

  it('is only sound for ASCII: a character above U+00FF decodes like its low byte', () => {
    // Why compact-jws.ts asks isAscii first: this part decodes exactly like 'ABCD'.
    expect(Buffer.from('\u0141BCD', 'base64url')).toEqual(Buffer.from('ABCD', 'base64url'));
    expect([isAscii('\u0141BCD'), isAscii('ABCD'), isAscii('\u00e9')]).toEqual([false, true, false]);
  });
});
