// A local JWKS endpoint on 127.0.0.1 that counts requests and can be told to fail.
// Used by the in-process, HTTP and memory sections (the fetch-discipline section
// uses the real @tollgate/issuer, whose counters and fault injection fit it).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * @param {object[]} keys public JWKs
 * @param {{ maxAgeSec?: number }} [options]
 */
export function startJwksServer(keys, { maxAgeSec = 3600 } = {}) {
  const body = JSON.stringify({ keys });
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const state = { requests: 0, failing: false };
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    state.requests++;
    if (state.failing) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"injected"}');
      return;
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': `public, max-age=${maxAgeSec}` }).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${maxAgeSec}`, etag })
      .end(body);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('JWKS server did not start within 5 s')), 5000);
    server.listen(0, '127.0.0.1', () => {
      clearTimeout(timer);
      const { port } = server.address();
      const base = `http://127.0.0.1:${port}`;
      resolve({
        base,
        jwksUri: `${base}/.well-known/jwks.json`,
        state,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
