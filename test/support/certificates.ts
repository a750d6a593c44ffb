// Certificates for mTLS tests (RFC 8705), made in the test: a CA, a server certificate for
// 127.0.0.1 and localhost, and client certificates, all P-256 / ecdsa-with-SHA256. Built with
// node:crypto signatures over DER written by hand (support/der.ts), so no `openssl` binary, file or
// network is needed, and every run gets fresh keys. Each certificate is checked with node:crypto's
// own X.509 parser before it is handed out.
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { bits, boolean, commonName, explicit, octets, oid, seq, tlv, unsigned, utcTime } from './der.js';

/** A certificate with its private key, in the forms TLS options and tests want. */
export interface IssuedCertificate {
  /** DER bytes: what the server sees as `getPeerCertificate().raw`. */
  readonly der: Buffer;
  /** PEM, for `tls` options (`cert`, `ca`) and proxy headers. */
  readonly pem: string;
  /** PKCS#8 PEM of the private key, for `tls` options (`key`). */
  readonly keyPem: string;
  readonly privateKey: KeyObject;
  readonly x509: X509Certificate;
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of `der`, what a certificate-bound token carries. */
  readonly thumbprint: string;
}

/** A certificate authority that issues server and client certificates. */
export interface TestCertificateAuthority extends IssuedCertificate {
  /** A server certificate (serverAuth) for `hosts`: names become DNS SANs, IP addresses IP SANs. Default `['127.0.0.1', 'localhost']`. */
  issueServer(hosts?: readonly string[]): IssuedCertificate;
  /** A client certificate (clientAuth) with common name `cn`. */
  issueClient(cn: string): IssuedCertificate;
}

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** KeyUsage bits, DER BIT STRING bodies: digitalSignature (bit 0); digitalSignature + keyCertSign + cRLSign (bits 0, 5, 6). */
const KEY_USAGE_LEAF = bits(Buffer.from([0x80]), 7);
const KEY_USAGE_CA = bits(Buffer.from([0x86]), 1);

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [boolean(true)] : []), octets(value));

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1); identifiers only, not security. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  // P-256 SPKI: a fixed 26-byte prefix (algorithm identifiers, BIT STRING header), then the 65-byte point.
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

function subjectAltName(hosts: readonly string[]): Buffer {
  const names = hosts.map((host) => {
    const family = isIP(host);
    if (family === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number))); // [7] iPAddress
    if (family === 6) throw new Error('IPv6 SANs are not needed by the tests');
    return tlv(0x82, Buffer.from(host, 'ascii')); // [2] dNSName
  });
  return seq(...names);
}

interface Subject {
  readonly cn: string;
  readonly publicKey: KeyObject;
  readonly extensions: readonly Buffer[];
}

interface Signer {
  readonly cn: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function certify(subject: Subject, signer: Signer): Buffer {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    explicit(0, tlv(0x02, Buffer.from([0x02]))), // version v3
    unsigned(serial),
    ECDSA_WITH_SHA256,
    commonName(signer.cn),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    commonName(subject.cn),
    subject.publicKey.export({ format: 'der', type: 'spki' }),
    explicit(3, seq(...subject.extensions)),
  );
  // ECDSA signatures in X.509 are the DER Ecdsa-Sig-Value, node:crypto's default encoding.
  return seq(tbs, ECDSA_WITH_SHA256, bits(cryptoSign('sha256', tbs, signer.privateKey)));
}

function issued(der: Buffer, privateKey: KeyObject, signerKey: KeyObject): IssuedCertificate {
  const x509 = new X509Certificate(der);
  // Refuse to hand out anything node:crypto would not parse back, or that its issuer did not sign.
  if (!x509.verify(signerKey)) throw new Error(`certificate ${x509.subject} does not verify with its issuer's key`);
  if (!x509.checkPrivateKey(privateKey)) throw new Error(`certificate ${x509.subject} does not match its private key`);
  return {
    der,
    pem: x509.toString(),
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    privateKey,
    x509,
    // Computed here, not with the core's certificateThumbprint, so tests compare against an independent value.
    thumbprint: createHash('sha256').update(der).digest('base64url'),
  };
}

const ecKeyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

function leaf(
  signer: Signer,
  cn: string,
  usage: string,
  hosts?: readonly string[],
  { privateKey, publicKey } = ecKeyPair(),
): IssuedCertificate {
  const extensions = [
    extension(EXT.basicConstraints, true, seq()),
    extension(EXT.keyUsage, true, KEY_USAGE_LEAF),
    extension(EXT.extKeyUsage, false, seq(oid(usage))),
    extension(EXT.subjectKeyIdentifier, false, octets(keyIdentifier(publicKey))),
    extension(EXT.authorityKeyIdentifier, false, seq(tlv(0x80, keyIdentifier(signer.publicKey)))),
    ...(hosts === undefined ? [] : [extension(EXT.subjectAltName, false, subjectAltName(hosts))]),
  ];
  return issued(certify({ cn, publicKey, extensions }, signer), privateKey, signer.publicKey);
}

/**
 * A fresh CA (self-signed, `CA:TRUE`) that issues server and client certificates, valid from an
 * hour ago for a day.
 *
 * @example
 * const ca = createCertificateAuthority();
 * const server = ca.issueServer();            // for 127.0.0.1 and localhost
 * const alice = ca.issueClient('alice');       // alice.thumbprint goes into cnf["x5t#S256"]
 */
export function createCertificateAuthority(cn = 'tollgate test CA'): TestCertificateAuthority {
  const { privateKey, publicKey } = ecKeyPair();
  const signer: Signer = { cn, privateKey, publicKey };
  const extensions = [
    extension(EXT.basicConstraints, true, seq(boolean(true))),
    extension(EXT.keyUsage, true, KEY_USAGE_CA),
    extension(EXT.subjectKeyIdentifier, false, octets(keyIdentifier(publicKey))),
  ];
  const ca = issued(certify({ cn, publicKey, extensions }, signer), privateKey, publicKey);
  if (!ca.x509.ca) throw new Error('the test CA certificate is not marked as a CA');
  return {
    ...ca,
    issueServer: (hosts = ['127.0.0.1', 'localhost']) => leaf(signer, hosts[0] ?? 'server', SERVER_AUTH, hosts),
    issueClient: (clientCn) => leaf(signer, clientCn, CLIENT_AUTH),
  };
}

/** A self-signed client certificate that no test CA issued: what a client with a certificate of its own choosing presents. */
export function selfSignedClientCertificate(cn: string): IssuedCertificate {
  const pair = ecKeyPair();
  return leaf({ cn, ...pair }, cn, CLIENT_AUTH, undefined, pair);
}
