// Raw HTTP requests for adapter tests. node:http rather than fetch: fetch merges repeated headers
// into one, and tests must be able to send two Authorization headers.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

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
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: raw, timeout: options.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path} got no answer within ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end();
  });
}
