// Raw HTTP requests for adapter tests. node:http rather than fetch: fetch merges repeated headers
// into one, and tests must be able to send two Authorization headers. `https:` URLs go through
// node:https, with a client certificate when `tls.certificate` is given (mutual TLS).
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IssuedCertificate } from './certificates.js';

export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON; throws if it is not JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface TestRequest {
  method?: string;
  /** Sent as `Authorization: <value>`; a list sends the header once per entry. */
  authorization?: string | readonly string[];
  /** Extra headers; a list value sends the header once per entry. */
  headers?: Record<string, string | readonly string[]>;
  /** Give up after this many ms. Default: 5000. */
  timeoutMs?: number;
  /** For `https:` URLs: the CA the server's certificate must chain to, and the client certificate to present (none by default). */
  tls?: { ca: string; certificate?: IssuedCertificate | undefined; servername?: string | undefined };
}

/** Shorthand for `Authorization: Bearer <token>`. */
export const bearer = (token: string): string => `Bearer ${token}`;

/**
 * Sends one request and reads the whole answer.
 *
 * @example
 * const res = await request(app.url, '/orders', { authorization: bearer(token) });
 * expect(res.status).toBe(200);
 */
export function request(baseUrl: string, path: string, options: TestRequest = {}): Promise<TestResponse> {
  const url = new URL(path, baseUrl);
  // With headers given as a raw list, Node adds no Host header itself (and HTTP/1.1 requires one).
  const raw: string[] = ['host', url.host];
  const add = (name: string, value: string | readonly string[]) => {
    for (const v of typeof value === 'string' ? [value] : value) raw.push(name, v);
  };
  if (options.authorization !== undefined) add('authorization', options.authorization);
  for (const [name, value] of Object.entries(options.headers ?? {})) add(name, value);

  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    };
    const common = { method: options.method ?? 'GET', headers: raw, timeout: options.timeoutMs ?? 5000 };
    const { tls } = options;
    const req =
      url.protocol === 'https:'
        ? httpsRequest(
            url,
            // A fresh connection per request (no agent): a pooled one would carry another request's certificate.
            {
              ...common,
              agent: false,
              ca: tls?.ca,
              cert: tls?.certificate?.pem,
              key: tls?.certificate?.keyPem,
              servername: tls?.servername,
            },
            onResponse,
          )
        : httpRequest(url, common, onResponse);
    req.on('timeout', () =>
      req.destroy(new Error(`${options.method ?? 'GET'} ${path} got no answer within ${options.timeoutMs ?? 5000} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}
