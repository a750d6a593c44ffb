// The mTLS plumbing the certificate-bound token tests stand on: certificates made in the test are
// real X.509 (node:crypto parses and verifies them, Node's TLS stack accepts them), and a real
// HTTPS server on 127.0.0.1 sees exactly the certificate the client presented, so the thumbprint
// the server computes is the one a token's cnf["x5t#S256"] carries.
import type { IncomingMessage, RequestListener } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint } from '@tollgate/core';
import { nodeRequestFacts } from '@tollgate/core/adapter';
import {
  createCertificateAuthority,
  selfSignedClientCertificate,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from './certificates.js';
import { request } from './http.js';
import { listenTls, peerCertificate, type ListeningTls } from './tls.js';

/** What the server saw of the client's certificate, answered as JSON. */
interface Seen {
  readonly encrypted: boolean;
  readonly authorized: boolean;
  /** certificateThumbprint of the DER on the socket, or null without a certificate. */
  readonly thumbprint: string | null;
  /** certificateThumbprint of getPeerX509Certificate(), or null. */
  readonly x509Thumbprint: string | null;
  /** certificateThumbprint of nodeRequestFacts(req).clientCertificate(), or null. */
  readonly factsThumbprint: string | null;
  readonly subject: string | null;
}

const echoCertificate: RequestListener = (req: IncomingMessage, res) => {
  const socket = req.socket as TLSSocket;
  const { der, authorized } = peerCertificate(socket);
  const x509 = socket.getPeerX509Certificate();
  const facts = nodeRequestFacts(req).clientCertificate?.();
  const seen: Seen = {
    encrypted: socket.encrypted,
    authorized,
    thumbprint: der === undefined ? null : certificateThumbprint(der),
    x509Thumbprint: x509 === undefined ? null : certificateThumbprint(x509),
    factsThumbprint: facts === undefined ? null : certificateThumbprint(facts),
    subject: x509?.subject ?? null,
  };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(seen));
};

describe('test certificates', () => {
  const ca = createCertificateAuthority();
  const server = ca.issueServer();
  const alice = ca.issueClient('alice');

  it('makes a CA that signed the server and client certificates', () => {
    expect(ca.x509.ca).toBe(true);
    expect(ca.x509.subject).toBe('CN=tollgate test CA');
    for (const leaf of [server, alice]) {
      expect(leaf.x509.ca).toBe(false);
      expect(leaf.x509.checkIssued(ca.x509)).toBe(true);
      expect(leaf.x509.verify(ca.x509.publicKey)).toBe(true);
      expect(leaf.x509.issuer).toBe('CN=tollgate test CA');
    }
  });

  it('names 127.0.0.1 and localhost in the server certificate, and marks what each certificate is for', () => {
    expect(server.x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(server.x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.x509.checkHost('localhost')).toBe('localhost');
    expect(server.x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(alice.x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(alice.x509.subject).toBe('CN=alice');
    expect(alice.x509.subjectAltName).toBeUndefined();
  });

  it('gives each certificate the RFC 8705 thumbprint the core computes, and a fresh key and serial', () => {
    const bob = ca.issueClient('alice');
    for (const leaf of [alice, bob, ca]) expect(leaf.thumbprint).toBe(certificateThumbprint(leaf.der));
    expect(alice.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(bob.thumbprint).not.toBe(alice.thumbprint);
    expect(bob.x509.serialNumber).not.toBe(alice.x509.serialNumber);
    expect(bob.x509.publicKey.equals(alice.x509.publicKey)).toBe(false);
  });

  it('makes self-signed client certificates that no test CA issued', () => {
    const mallory = selfSignedClientCertificate('mallory');
    expect(mallory.x509.issuer).toBe('CN=mallory');
    expect(mallory.x509.verify(mallory.x509.publicKey)).toBe(true);
    expect(mallory.x509.checkIssued(ca.x509)).toBe(false);
    expect(mallory.x509.verify(ca.x509.publicKey)).toBe(false);
  });
});

describe('an HTTPS server on 127.0.0.1 asking for client certificates', () => {
  let ca: TestCertificateAuthority;
  let app: ListeningTls;
  let alice: IssuedCertificate;

  beforeAll(async () => {
    ca = createCertificateAuthority();
    alice = ca.issueClient('alice');
    app = await listenTls(echoCertificate, { certificate: ca.issueServer(), clientCas: [ca] });
  });
  afterAll(async () => {
    await app?.close();
  });

  const seen = async (certificate: IssuedCertificate | undefined): Promise<Seen> => {
    const res = await request(app.url, '/whoami', { tls: { ca: ca.pem, certificate } });
    expect(res.status).toBe(200);
    return res.json<Seen>();
  };

  it("sees the client certificate: the thumbprint on the server is the client certificate's", async () => {
    expect(await seen(alice)).toEqual({
      encrypted: true,
      authorized: true,
      thumbprint: alice.thumbprint,
      x509Thumbprint: alice.thumbprint,
      factsThumbprint: alice.thumbprint,
      subject: 'CN=alice',
    });
  });

  it('tells two clients apart, one connection each', async () => {
    const bob = ca.issueClient('bob');
    const [first, second, third] = await Promise.all([seen(bob), seen(alice), seen(bob)]);
    expect([first?.thumbprint, second?.thumbprint, third?.thumbprint]).toEqual([
      bob.thumbprint,
      alice.thumbprint,
      bob.thumbprint,
    ]);
  });

  it('lets a client without a certificate through to the app, which sees none', async () => {
    expect(await seen(undefined)).toEqual({
      encrypted: true,
      authorized: false,
      thumbprint: null,
      x509Thumbprint: null,
      factsThumbprint: null,
      subject: null,
    });
  });

  it('lets a certificate no CA vouches for through to the app, which sees it unauthorized', async () => {
    const mallory = selfSignedClientCertificate('mallory');
    expect(await seen(mallory)).toEqual({
      encrypted: true,
      authorized: false,
      thumbprint: mallory.thumbprint,
      x509Thumbprint: mallory.thumbprint,
      factsThumbprint: mallory.thumbprint,
      subject: 'CN=mallory',
    });
  });

  it('is a server the client verifies: by its CA, for 127.0.0.1 and localhost', async () => {
    const byName = await request(app.url, '/', { tls: { ca: ca.pem, servername: 'localhost' } });
    expect(byName.status).toBe(200);
    // The server sends its chain up to the test CA, which a client trusting another CA refuses.
    const stranger = createCertificateAuthority('another CA');
    await expect(request(app.url, '/', { tls: { ca: stranger.pem } })).rejects.toMatchObject({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    await expect(request(app.url, '/', { tls: { ca: ca.pem, servername: 'api.example.com' } })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });
});
