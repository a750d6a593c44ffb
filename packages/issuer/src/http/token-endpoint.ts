import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import type { DpopNonces } from '../dpop-nonce.js';
import { checkProof } from '../dpop-proof.js';
import type { ProofReplayCache } from '../dpop-replay.js';
import { isResourceIndicator } from '../resource.js';
import type { ResolvedClient } from '../tenants.js';
import { mintToken } from '../sign.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { readBody } from './body.js';
import { authenticate, presentedCredentials } from './client-auth.js';
import { errorReply, jsonReply, methodNotAllowed, type Reply } from './reply.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** What the token endpoint needs besides the request and the tenant. */
export interface TokenEndpointDeps {
  readonly clock: Clock;
  readonly maxBodyBytes: number;
  /** Server nonces and used proof ids, shared by every tenant of the issuer. */
  readonly dpop: { readonly nonces: DpopNonces; readonly replay: ProofReplayCache };
}

/**
 * `POST <issuer>/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4). With a valid
 * DPoP proof (RFC 9449 §5) the token is bound to the proof's key (`cnf.jkt`, `token_type: DPoP`).
 */
export async function tokenEndpoint(req: IncomingMessage, tenant: TenantRuntime, deps: TokenEndpointDeps): Promise<Reply> {
  if (req.method !== 'POST') return methodNotAllowed('POST');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return errorReply(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const body = await readBody(req, deps.maxBodyBytes);
  if (body === 'too-large') {
    return errorReply(413, 'invalid_request', `the body exceeds ${deps.maxBodyBytes} bytes`, { connection: 'close' });
  }
  const form = new URLSearchParams(body.toString('utf8'));
  // RFC 6749 §3.2: parameters must not be repeated; RFC 8707 §2 allows several `resource`s.
  const repeated = [...new Set(form.keys())].find((key) => key !== 'resource' && form.getAll(key).length > 1);
  if (repeated !== undefined) return errorReply(400, 'invalid_request', `parameter ${JSON.stringify(repeated.slice(0, 64))} is repeated`);
  const grantType = form.get('grant_type');
  if (!grantType) return errorReply(400, 'invalid_request', 'grant_type is missing');

  const presented = presentedCredentials(req.headers.authorization, form);
  // RFC 6749 §5.2 and RFC 9110 §11.6.1: a 401 carries a challenge for the scheme the client may use.
  const challenge = { 'www-authenticate': `Basic realm="${tenant.issuer}", charset="UTF-8"` };
  if (presented.method === 'invalid') {
    return presented.basic
      ? errorReply(401, 'invalid_client', presented.reason, challenge)
      : errorReply(400, 'invalid_request', presented.reason);
  }
  if (presented.method === 'none') {
    return errorReply(401, 'invalid_client', 'client authentication is required (client_secret_basic or client_secret_post)', challenge);
  }
  const client = authenticate(tenant.config.clients, presented.id, presented.secret);
  if (!client) return errorReply(401, 'invalid_client', 'unknown client or wrong secret', challenge);

  if (grantType !== 'client_credentials') return errorReply(400, 'unsupported_grant_type', 'only client_credentials is supported');
  if (!client.grantTypes.includes('client_credentials')) {
    return errorReply(400, 'unauthorized_client', 'this client may not use the client_credentials grant');
  }

  const requested = form.get('scope');
  let scopes: readonly string[] = client.scopes;
  if (requested !== null) {
    const tokens = requested.split(' ').filter((s) => s !== '');
    if (tokens.length === 0 || !tokens.every((s) => SCOPE_TOKEN.test(s))) return errorReply(400, 'invalid_scope', 'scope is malformed');
    const refused = tokens.filter((s) => !client.scopes.includes(s));
    if (refused.length > 0) return errorReply(400, 'invalid_scope', `scope not allowed for this client: ${refused.join(' ').slice(0, 200)}`);
    scopes = [...new Set(tokens)];
  }
  const audience = audienceFor(form.getAll('resource'), client);
  if ('reply' in audience) return audience.reply;

  const nowMs = deps.clock.now();
  const binding = dpopBinding(req, tenant, client, deps, nowMs);
  if ('reply' in binding) return binding.reply;

  const scope = scopes.join(' ');
  const stepUp = client.acr !== undefined || client.amr !== undefined;
  const accessToken = await mintToken(
    tenant,
    {
      sub: client.id,
      client_id: client.id,
      scope: scope === '' ? undefined : scope,
      // Absent, not undefined: undefined would remove the tenant audience.
      ...(audience.aud === undefined ? {} : { aud: audience.aud }),
      cnf: binding.jkt === undefined ? undefined : { jkt: binding.jkt },
      acr: client.acr,
      amr: client.amr,
      // The client authenticated just now; that is the only authentication this grant knows.
      auth_time: stepUp ? Math.floor(nowMs / 1000) : undefined,
    },
    {},
    nowMs,
  );
  return jsonReply(
    200,
    {
      access_token: accessToken,
      token_type: binding.jkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: tenant.config.tokenLifetimeSec,
      ...(scope ? { scope } : {}),
    },
    { 'cache-control': 'no-store', pragma: 'no-cache', ...binding.headers },
  );
}

/**
 * The token's `aud`: the requested resources (RFC 8707), each of which the client must be allowed
 * to ask for, or the tenant audience (`undefined` keeps the default) when none was requested.
 */
function audienceFor(resources: readonly string[], client: ResolvedClient): { aud: string | string[] | undefined } | { reply: Reply } {
  if (resources.length === 0) return { aud: undefined };
  if (!resources.every(isResourceIndicator)) {
    return { reply: errorReply(400, 'invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 §2)') };
  }
  const refused = resources.filter((r) => !client.resources.includes(r));
  if (refused.length > 0) {
    return { reply: errorReply(400, 'invalid_target', `this client may not ask for resource ${JSON.stringify(refused[0]).slice(0, 200)}`) };
  }
  const unique = [...new Set(resources)];
  return { aud: unique.length === 1 ? unique[0] : unique };
}

/**
 * The key a token will be bound to: the DPoP proof's, none without a proof, or the error to
 * answer. Errors are 400 with `invalid_dpop_proof` or `use_dpop_nonce` (RFC 9449 §5.2, §8).
 */
function dpopBinding(
  req: IncomingMessage,
  tenant: TenantRuntime,
  client: ResolvedClient,
  deps: TokenEndpointDeps,
  nowMs: number,
): { jkt: string | undefined; headers: Record<string, string> } | { reply: Reply } {
  const proofs = req.headersDistinct.dpop;
  const { nonces, replay } = deps.dpop;
  const headers: Record<string, string> = tenant.config.dpopNonce ? { 'dpop-nonce': nonces.current(tenant.name, nowMs) } : {};
  if (proofs === undefined) {
    if (client.requireDpop) return { reply: errorReply(400, 'invalid_dpop_proof', 'this client must send a DPoP proof with every token request', headers) };
    return { jkt: undefined, headers: {} };
  }
  const result = checkProof(proofs, {
    method: 'POST',
    // The published URL, not one rebuilt from the request's Host header.
    htu: tenant.info().tokenEndpoint,
    nowMs,
    acceptsNonce: tenant.config.dpopNonce ? (nonce) => nonces.accepts(tenant.name, nonce, nowMs) : undefined,
    remember: (jkt, jti, expiresAtMs) => replay.add({ tenant: tenant.name, jkt, jti }, expiresAtMs, nowMs),
  });
  if (!result.ok) return { reply: errorReply(400, result.error, result.description, headers) };
  return { jkt: result.jkt, headers };
}
