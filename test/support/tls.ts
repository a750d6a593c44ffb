// A real HTTPS server on 127.0.0.1 that asks every client for a certificate (RFC 8705 mutual TLS)
// and lets the application decide: `requestCert: true, rejectUnauthorized: false`, so a client
// without a certificate, or with one no CA vouches for, still reaches the app, which sees what was
// presented. The requests themselves go through support/http.ts (`request(url, path, { tls })`).
import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IssuedCertificate } from './certificates.js';
import { START_TIMEOUT_MS, withTimeout } from './issuer.js';

/** An HTTPS app under test, listening. */
export interface ListeningTls {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and drops every connection. Safe to call twice. */
  close(): Promise<void>;
}

export interface TlsServerOptions {
  /** The server's certificate and key (from `ca.issueServer()`). */
  readonly certificate: IssuedCertificate;
  /** CAs whose client certificates count as `authorized` on the socket (the app still decides). Default: none. */
  readonly clientCas?: readonly IssuedCertificate[];
  /** Fail the start after this many ms. Default: START_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/**
 * Serves `listener` over HTTPS on 127.0.0.1 and a free port, asking clients for a certificate
 * without requiring one.
 *
 * @example
 * const ca = createCertificateAuthority();
 * const app = await listenTls(expressApp, { certificate: ca.issueServer(), clientCas: [ca] });
 * await request(app.url, '/orders', { tls: { ca: ca.pem, certificate: ca.issueClient('alice') } });
 */
export async function listenTls(listener: RequestListener, options: TlsServerOptions): Promise<ListeningTls> {
  const server = createServer(
    {
      key: options.certificate.keyPem,
      cert: options.certificate.pem,
      ...(options.clientCas === undefined ? {} : { ca: options.clientCas.map((c) => c.pem) }),
      requestCert: true,
      rejectUnauthorized: false,
    },
    listener,
  );
  const started = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  await withTimeout(started, options.timeoutMs ?? START_TIMEOUT_MS, 'https server start', close);
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return { url: `https://127.0.0.1:${port}`, server, close: () => (closed ??= close()) };
}

/** What the TLS layer of a request says about the client's certificate, read off the socket. */
export interface PeerCertificateFacts {
  /** DER of the certificate the client presented, or undefined. */
  readonly der: Buffer | undefined;
  /** Whether one of `clientCas` issued it. */
  readonly authorized: boolean;
}

/** Reads the client certificate off a request's TLS socket. */
export function peerCertificate(socket: TLSSocket): PeerCertificateFacts {
  // Without a client certificate Node answers an empty object.
  const raw = socket.getPeerCertificate(false).raw as Buffer | undefined;
  return { der: raw !== undefined && raw.length > 0 ? Buffer.from(raw) : undefined, authorized: socket.authorized };
}

/**
 * A TLS-terminating reverse proxy in front of a plain-HTTP app, as nginx or a load balancer would
 * be: it asks clients for a certificate, passes it to the app as URL-encoded PEM in `header`
 * (nginx's `$ssl_client_escaped_cert`), and always drops a `header` the client sent itself.
 *
 * @example
 * const proxy = await startTlsProxy(app.url, { certificate: ca.issueServer(), header: 'x-client-cert' });
 */
export async function startTlsProxy(
  target: string,
  options: TlsServerOptions & { readonly header: string },
): Promise<ListeningTls> {
  const header = options.header.toLowerCase();
  return listenTls((req, res) => {
    const { der } = peerCertificate(req.socket as TLSSocket);
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (name === header) continue;
      const value = req.rawHeaders[i + 1]!;
      const seen = headers[name];
      headers[name] = seen === undefined ? value : [seen, value].flat();
    }
    if (der !== undefined) headers[header] = encodeURIComponent(new X509Certificate(der).toString());
    const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }, options);
}
