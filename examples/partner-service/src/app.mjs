// @ts-check
// A fulfilment partner's service. The partner was given one thing: the JWKS URL of the auth
// server. No shared secret (it could forge tokens with it), no discovery, no framework: plain
// node:http and @tollgate/core, which is all the adapters are made of (their plumbing, the
// request gate and `nodeRequestFacts`, comes from the `@tollgate/core/adapter` entry).
import { isTollgateError, requireScopes } from '@tollgate/core';
import { createGate, nodeRequestFacts } from '@tollgate/core/adapter';

/** The check every shipment request must pass after the token is verified. */
const canReadOrders = requireScopes('orders:read');

/**
 * The partner's request handler: `GET /health` (public) and `GET /shipments` (bearer token with
 * `orders:read`). Refusals are the core's RFC 6750 answers: status, `WWW-Authenticate` /
 * `Retry-After`, and a JSON body `{ error, error_description, code }`.
 *
 * @param {import('@tollgate/core').Verifier} verifier created once at start-up, shared by all requests
 * @param {import('@tollgate/core/adapter').AdapterOptions<never>} [options] more gate options, e.g.
 *   `{ dpop: { mode: 'allowed', origin: 'https://partner.example.com' } }` to accept DPoP-bound tokens
 * @returns {import('node:http').RequestListener}
 */
export function createHandler(verifier, options = {}) {
  // The gate reads the credentials, verifies, and says how to answer; built once, like the verifier.
  const gate = createGate(verifier, { realm: 'partner', ...options });
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://partner.local').pathname;
    if (req.method === 'GET' && path === '/health') {
      const { status } = verifier.health();
      return send(res, status === 'unavailable' ? 503 : 200, { status });
    }
    if (req.method !== 'GET' || path !== '/shipments') return send(res, 404, { error: 'not_found' });

    // nodeRequestFacts reads every Authorization header, so two of them are refused rather than half-read.
    Promise.resolve()
      .then(() => gate.authenticate(nodeRequestFacts(req, req.url)))
      .then(async (auth) => {
        await canReadOrders(auth);
        send(res, 200, {
          partner: 'fulfilment',
          for: auth?.claims.sub,
          shipments: [{ order: 'ord_1001', carrier: 'bike courier' }],
        });
      })
      .catch((/** @type {unknown} */ error) => {
        if (!isTollgateError(error)) {
          console.error(error);
          return send(res, 500, { error: 'server_error' });
        }
        const { status, headers, body } = gate.respond(error);
        send(res, status, body, headers);
      });
  };
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Readonly<Record<string, string>>} [headers]
 */
function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
