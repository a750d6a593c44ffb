// A genuine self-signed X.509 certificate for the attacker's RSA key, so the `x5c` rows embed a
// certificate chain that any X.509 parser accepts, not junk. node:crypto parses certificates but
// cannot create them; this is the smallest DER writer that produces one.
import { sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(body.length), body]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
const utcTime = (date: Date) => tlv(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));

/** DER of a self-signed certificate (sha256WithRSAEncryption) for `publicKey`, valid one day either side of now. */
export function selfSignedRsaCertificate(privateKey: KeyObject, publicKey: KeyObject, commonName: string): Buffer {
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([0x02]))), // [0] EXPLICIT version v3
    tlv(0x02, Buffer.from([0x01, 0x23, 0x45, 0x67])), // serial
    SHA256_WITH_RSA,
    name(commonName),
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000))),
    name(commonName),
    publicKey.export({ format: 'der', type: 'spki' }),
  );
  const signature = cryptoSign('sha256', tbs, privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0x00]), signature])));
  // Proves the bytes are a real certificate signed by the key, before any test relies on them.
  if (!new X509Certificate(der).verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return der;
}
