import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import { isResourceIndicator } from '../resource.js';
import type { ResolvedClient } from '../tenants.js';
import { mintToken } from '../sign.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { readBody } from './body.js';
import { authenticate, presentedCredentials } from './client-auth.js';
import { errorReply, jsonReply, methodNotAllowed, type Reply } from './reply.js';
import type { TokenEndpointDpop } from './token-dpop.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** What the token endpoint needs besides the request and the tenant. */
export interface TokenEndpointDeps {
  readonly clock: Clock;
  readonly maxBodyBytes: number;
  /** Proof checks, server nonces and used proof ids. */
  readonly dpop: TokenEndpointDpop;
}

/**
 * `POST <issuer>/token`: the OAuth 2.0 client credentials grant (RFC 6749 §4.4). With a valid
 * DPoP proof (RFC 9449 §5) the token is bound to the proof's key (`cnf.jkt`, `token_type: DPoP`).
 */
export async function tokenEndpoint(
  req: IncomingMessage,
  tenant: TenantRuntime,
  deps: TokenEndpointDeps,
): Promise<Reply> {
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
  if (repeated !== undefined)
    return errorReply(400, 'invalid_request', `parameter ${JSON.stringify(repeated.slice(0, 64))} is repeated`);
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
    return errorReply(
      401,
      'invalid_client',
      'client authentication is required (client_secret_basic or client_secret_post)',
      challenge,
    );
  }
  const client = authenticate(tenant.config.clients, presented.id, presented.secret);
  if (!client) return errorReply(401, 'invalid_client', 'unknown client or wrong secret', challenge);

  if (grantType !== 'client_credentials')
    return errorReply(400, 'unsupported_grant_type', 'only client_credentials is supported');
  if (!client.grantTypes.includes('client_credentials')) {
    return errorReply(400, 'unauthorized_client', 'this client may not use the client_credentials grant');
  }

  const requested = form.get('scope');
  let scopes: readonly string[] = client.scopes;
  if (requested !== null) {
    const tokens = requested.split(' ').filter((s) => s !== '');
    if (tokens.length === 0 || !tokens.every((s) => SCOPE_TOKEN.test(s)))
      return errorReply(400, 'invalid_scope', 'scope is malformed');
    const refused = tokens.filter((s) => !client.scopes.includes(s));
    if (refused.length > 0)
      return errorReply(400, 'invalid_scope', `scope not allowed for this client: ${refused.join(' ').slice(0, 200)}`);
    scopes = [...new Set(tokens)];
  }
  const audience = audienceFor(form.getAll('resource'), client);
  if ('reply' in audience) return audience.reply;

  const nowMs = deps.clock.now();
  const binding = deps.dpop.bind(req.headersDistinct.dpop, tenant, client, nowMs);
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
function audienceFor(
  resources: readonly string[],
  client: ResolvedClient,
): { aud: string | string[] | undefined } | { reply: Reply } {
  if (resources.length === 0) return { aud: undefined };
  if (!resources.every(isResourceIndicator)) {
    return {
      reply: errorReply(400, 'invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 §2)'),
    };
  }
  const refused = resources.filter((r) => !client.resources.includes(r));
  if (refused.length > 0) {
    return {
      reply: errorReply(
        400,
        'invalid_target',
        `this client may not ask for resource ${JSON.stringify(refused[0]).slice(0, 200)}`,
      ),
    };
  }
  const unique = [...new Set(resources)];
  return { aud: unique.length === 1 ? unique[0] : unique };
}
