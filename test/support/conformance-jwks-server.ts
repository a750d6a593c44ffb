// A real HTTP server for conformance and interop tests: it serves a JWK Set whose entries the test
// chooses freely, including entries @tollgate/issuer would never publish (enc keys, RSA-1024,
// private members, `alg` mismatches), and it records every request it receives. A second instance
// with no keys serves as the attacker's host for `jku` / `x5u` headers: a verifier must never
// contact it, and its request log proves that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from './issuer.js';

export interface ConformanceJwksServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** `<url>/jwks.json`. */
  readonly jwksUri: string;
  /** Entries served as `{ "keys": [...] }`; replace the array to change the set. */
  keys: readonly unknown[];
  /** Every request received, as `METHOD /path?query`, in order. */
  readonly requests: string[];
  /** Stops listening and drops every connection. Safe to call twice. */
  close(): Promise<void>;
}

export interface ConformanceJwksServerOptions {
  /** Initial key set. Default: empty. */
  keys?: readonly unknown[];
  /** `Cache-Control` of the JWKS answer. Default: `public, max-age=600`. */
  cacheControl?: string;
  /** Also answer `GET /.well-known/openid-configuration` naming this issuer. Default: no discovery. */
  issuer?: string;
}

/**
 * Starts the server on 127.0.0.1 and a free port (with the start-up timeout of `listen()`).
 *
 * @example
 * const jwks = await startConformanceJwksServer({ keys: [publicJwk] });
 * const verifier = createVerifier({ jwksUri: jwks.jwksUri, audience: 'api', algorithms: ['RS256'] });
 * await jwks.close();
 */
export async function startConformanceJwksServer(
  options: ConformanceJwksServerOptions = {},
): Promise<ConformanceJwksServer> {
  const requests: string[] = [];
  const state = { keys: options.keys ?? [] };
  let base = '';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/jwks.json') {
      res.writeHead(200, {
        'content-type': 'application/jwk-set+json',
        'cache-control': options.cacheControl ?? 'public, max-age=600',
      });
      res.end(JSON.stringify({ keys: state.keys }));
    } else if (req.method === 'GET' && path === '/.well-known/openid-configuration' && options.issuer !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: options.issuer, jwks_uri: `${base}/jwks.json` }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    }
  };
  const server = await listen(handler);
  base = server.url;
  return {
    url: base,
    jwksUri: `${base}/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(keys: readonly unknown[]) {
      state.keys = keys;
    },
    requests,
    close: () => server.close(),
  };
}
