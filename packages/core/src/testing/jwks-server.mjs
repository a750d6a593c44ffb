// @ts-check
/**
 * Test support (not exported): the one JWKS test server of the repository. A real HTTP server on
 * 127.0.0.1 (or another loopback address) that serves a JWK Set and an OpenID discovery document
 * whose answers tests change while it runs, and that counts and logs what it receives.
 *
 * It is JavaScript with JSDoc types, not TypeScript, because the benchmark (plain `.mjs` run by
 * `node` against the built packages) uses it too; TypeScript tests read its types through `allowJs`.
 * Cross-package tests that need a whole authorization server use `@tollgate/issuer` instead.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * How the server answers a path.
 *
 * @typedef {{ kind: 'ok' }
 *   | { kind: 'status'; status: number }
 *   | { kind: 'body'; body: string }
 *   | { kind: 'drop' }
 *   | { kind: 'slow'; delayMs: number }
 *   | { kind: 'redirect'; location: string }
 *   | { kind: 'raw'; status?: number; headers?: Record<string, string>; body: Buffer | string }} Behaviour
 *   `ok` serves the document; `status` answers that status with a small JSON error; `body` serves
 *   these bytes as the document; `drop` destroys the socket; `slow` waits `delayMs` of real time
 *   (it models the network) before serving; `redirect` answers 302; `raw` sends exactly this status,
 *   these headers and bytes (encodings, byte order marks, odd status codes).
 */

/**
 * @typedef {object} JwksServerOptions
 * @property {readonly unknown[]} [keys] Initial entries of `{ "keys": [...] }`. Default: none.
 * @property {string} [host] Loopback address to listen on. Default: `127.0.0.1`.
 * @property {string} [jwksPath] Path of the key set; every path starting with `/jwks` is served too.
 *   Default: `/jwks.json`.
 * @property {string | null} [cacheControl] `Cache-Control` of the answers, or null for none.
 *   Default: `public, max-age=600`.
 * @property {boolean} [etag] Send an ETag with the key set and answer a matching `If-None-Match`
 *   with 304. Default: true.
 * @property {number} [keepAliveTimeoutMs] How long an idle keep-alive connection stays open.
 *   Default: Node's (5 s).
 */

/**
 * @typedef {object} JwksServer
 * @property {string} url `http://<host>:<port>`, no trailing slash.
 * @property {string} jwksUri `<url><jwksPath>`.
 * @property {string} issuer The issuer the discovery document names by default (`url`).
 * @property {{ discovery: number; jwks: number; notModified: number }} counts Requests for the
 *   discovery document and the key set, and how many of the latter were answered 304.
 * @property {string[]} requests Every request received, as `METHOD /path?query`, in order.
 * @property {readonly unknown[]} keys Entries served; assign a new array to swap the key set.
 * @property {string | null} cacheControl `Cache-Control` of the answers, or null for none.
 * @property {boolean} etag Whether the key set carries an ETag (and 304 answers are given).
 * @property {string | undefined} discoveredIssuer Overrides the discovery document's issuer.
 * @property {Behaviour} jwksBehaviour How the key set is answered; `{ kind: 'ok' }` at first.
 * @property {Behaviour} discoveryBehaviour How the discovery document is answered.
 * @property {() => Promise<void>} close Stops listening and drops every connection. Safe to call twice.
 */

const DISCOVERY_PATH = '/.well-known/openid-configuration';
const START_TIMEOUT_MS = 10_000;

/**
 * Starts the server on a free port.
 *
 * @example
 * const jwks = await startJwksServer({ keys: [publicJwk] });
 * const verifier = createVerifier({ jwksUri: jwks.jwksUri, audience: 'api', algorithms: ['RS256'] });
 * jwks.jwksBehaviour = { kind: 'status', status: 500 };
 * expect(jwks.counts.jwks).toBe(1);
 * await jwks.close();
 *
 * @param {JwksServerOptions} [options]
 * @returns {Promise<JwksServer>}
 */
export async function startJwksServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const jwksPath = options.jwksPath ?? '/jwks.json';
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  let base = '';
  /** @type {Omit<JwksServer, 'url' | 'jwksUri' | 'issuer' | 'close'>} */
  const state = {
    counts: { discovery: 0, jwks: 0, notModified: 0 },
    requests: [],
    keys: options.keys ?? [],
    cacheControl: options.cacheControl === undefined ? 'public, max-age=600' : options.cacheControl,
    etag: options.etag ?? true,
    discoveredIssuer: undefined,
    jwksBehaviour: { kind: 'ok' },
    discoveryBehaviour: { kind: 'ok' },
  };

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {Behaviour} behaviour
   * @param {boolean} tagged Whether this document may carry an ETag (the key set does).
   * @param {() => string} body
   */
  async function answer(req, res, behaviour, tagged, body) {
    if (behaviour.kind === 'drop') return void req.socket.destroy();
    if (behaviour.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': 'application/json' }).end('{"error":"injected"}');
      return;
    }
    if (behaviour.kind === 'raw') {
      res.writeHead(behaviour.status ?? 200, behaviour.headers ?? {}).end(behaviour.body);
      return;
    }
    if (behaviour.kind === 'redirect') {
      res.writeHead(302, { location: behaviour.location }).end();
      return;
    }
    const text = behaviour.kind === 'body' ? behaviour.body : body();
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json' };
    if (state.cacheControl !== null) headers['cache-control'] = state.cacheControl;
    if (tagged && state.etag) {
      const tag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`;
      headers.etag = tag;
      if (req.headers['if-none-match'] === tag) {
        state.counts.notModified++;
        res.writeHead(304, headers).end();
        return;
      }
    }
    if (!res.destroyed) res.writeHead(200, headers).end(text);
  }

  const server = createServer((req, res) => {
    state.requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.url === DISCOVERY_PATH) {
      state.counts.discovery++;
      void answer(req, res, state.discoveryBehaviour, false, () =>
        JSON.stringify({ issuer: state.discoveredIssuer ?? base, jwks_uri: `${base}${jwksPath}` }),
      );
    } else if (path === jwksPath || path.startsWith('/jwks')) {
      state.counts.jwks++;
      void answer(req, res, state.jwksBehaviour, true, () => JSON.stringify({ keys: state.keys }));
    } else {
      res.writeHead(404).end();
    }
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new Error(`JWKS test server did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    server.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.listen(0, host, () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  base = `http://${host}:${address.port}`;
  /** @type {Promise<void> | undefined} */
  let closed;
  return Object.assign(state, {
    url: base,
    jwksUri: `${base}${jwksPath}`,
    issuer: base,
    close: () =>
      (closed ??= new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  });
}
