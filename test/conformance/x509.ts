// A genuine self-signed X.509 certificate for the attacker's RSA key, so the `x5c` rows embed a
// certificate chain that any X.509 parser accepts, not junk. node:crypto parses certificates but
// cannot create them; the DER writer is in support/der.ts.
import { sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';
import { bits, commonName, explicit, oid, seq, tlv, utcTime } from '../support/der.js';

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

/** DER of a self-signed certificate (sha256WithRSAEncryption) for `publicKey`, valid one day either side of now. */
export function selfSignedRsaCertificate(privateKey: KeyObject, publicKey: KeyObject, cn: string): Buffer {
  const now = Date.now();
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([0x02]))), // [0] EXPLICIT version v3
    tlv(0x02, Buffer.from([0x01, 0x23, 0x45, 0x67])), // serial
    SHA256_WITH_RSA,
    commonName(cn),
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000))),
    commonName(cn),
    publicKey.export({ format: 'der', type: 'spki' }),
  );
  const der = seq(tbs, SHA256_WITH_RSA, bits(cryptoSign('sha256', tbs, privateKey)));
  // Proves the bytes are a real certificate signed by the key, before any test relies on them.
  if (!new X509Certificate(der).verify(publicKey)) throw new Error('self-signed certificate does not verify');
  return der;
}
