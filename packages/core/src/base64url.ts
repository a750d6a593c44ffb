/** Value of each base64url character (RFC 4648 §5) by char code, -1 for every other ASCII character. */
const SEXTET = new Int8Array(128).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/**
 * Whether every character of `text` is ASCII. Node's base64 decoder reads a character above
 * U+00FF by its low byte (U+0141 decodes as 'A'), so the checks below hold only for ASCII text.
 * A UTF-8 length equal to the string length is that test without a regex (a fraction of the cost).
 */
export function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/**
 * Whether `bytes`, decoded from the ASCII string `part` by `Buffer.from(part, 'base64url')`, came
 * from the one canonical encoding: base64url alphabet only, no padding, zero unused low bits in the
 * last character. Equivalent to `bytes.toString('base64url') === part` (a property test in
 * base64url.test.ts holds it to that) without re-encoding: Node's decoder skips characters outside
 * both base64 alphabets (so the length tells), maps `+` and `/` like `-` and `_`, and ignores the
 * unused bits.
 */
export function isCanonicalBase64url(part: string, bytes: Buffer): boolean {
  const length = part.length;
  if (length !== Math.ceil((bytes.length * 4) / 3)) return false;
  if (part.includes('+') || part.includes('/')) return false;
  const tail = length & 3;
  if (tail === 0) return true;
  const code = part.charCodeAt(length - 1);
  const last = code < 128 ? SEXTET[code]! : -1;
  // Two characters carry one byte (4 spare bits), three carry two (2 spare bits).
  return last >= 0 && (last & (tail === 2 ? 0x0f : 0x03)) === 0;
}
