import type { JwtClaims } from '../compact-jws.js';
import { isTollgateError } from '../errors.js';
import { grantedScopes } from '../guards.js';
import type { VerifiedToken, Verifier } from '../verifier.js';

/**
 * The MCP TypeScript SDK's `AuthInfo` (`@modelcontextprotocol/sdk/server/auth/types.js`), written
 * out so tollgate does not depend on the SDK: an object of this type is one of the SDK's.
 */
export interface McpAuthInfo {
  /** The access token, as sent. */
  token: string;
  /** `client_id` (RFC 9068), else `azp` (OpenID Connect), else `''`: the token names no client. */
  clientId: string;
  /** The granted scopes, from `scope` and `scp`. */
  scopes: string[];
  /** `exp`, in epoch seconds. */
  expiresAt?: number;
  /** The verifier's `resource` when the token's `aud` names it (RFC 8707). */
  resource?: URL;
  /** `claims`: every claim of the verified token; `issuer`: the trusted issuer that accepted it. */
  extra?: Record<string, unknown>;
}

/** The SDK's `OAuthTokenVerifier`: what its `requireBearerAuth({ verifier })` calls. */
export interface McpTokenVerifier {
  verifyAccessToken(token: string): Promise<McpAuthInfo>;
}

export interface McpTokenVerifierOptions {
  /**
   * The SDK's `InvalidTokenError` class, from `@modelcontextprotocol/sdk/server/auth/errors.js`.
   * A refused token is thrown as one, which `requireBearerAuth` answers with 401 `invalid_token`;
   * it answers any other error with 500. Keys that cannot be fetched (tollgate's 503s) are not a
   * bad token and reach the SDK as they are. Required, no default.
   */
  InvalidTokenError: new (message: string) => Error;
}

/**
 * Maps a token tollgate verified to the SDK's `AuthInfo`. `resource` is set when the token's `aud`
 * names the given resource.
 *
 * @example
 * const info = toMcpAuthInfo(await verifier.verify(token), token, 'https://api.example.com/mcp');
 */
export function toMcpAuthInfo(auth: VerifiedToken, token: string, resource?: string): McpAuthInfo {
  const claims: JwtClaims = auth.claims;
  const clientId =
    typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : '';
  const info: McpAuthInfo = {
    token,
    clientId,
    scopes: [...grantedScopes(claims)],
    extra: { claims, issuer: auth.issuer },
  };
  if (typeof claims.exp === 'number') info.expiresAt = claims.exp;
  const aud = claims.aud;
  if (resource !== undefined && (aud === resource || (Array.isArray(aud) && aud.includes(resource))))
    info.resource = new URL(resource);
  return info;
}

/**
 * The SDK's `OAuthTokenVerifier`, backed by a tollgate verifier: for `requireBearerAuth({ verifier })`.
 * Every check is tollgate's (signature, issuer, audience or `resource`, expiry, claim policy); a
 * refusal reaches the SDK as its `InvalidTokenError`, carrying tollgate's message.
 *
 * `requireBearerAuth` knows nothing of RFC 9728 metadata beyond the URL you give it, DPoP, or
 * tollgate's step-up answers; tollgate's own middleware in front of the transport does all of it.
 *
 * @example
 * import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
 * import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
 * const verifier = createVerifier({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com', algorithms: ['RS256'] });
 * app.post('/mcp', requireBearerAuth({ verifier: mcpTokenVerifier(verifier, { InvalidTokenError }) }), handleMcp);
 */
export function mcpTokenVerifier(verifier: Verifier, options: McpTokenVerifierOptions): McpTokenVerifier {
  const { InvalidTokenError } = options ?? {};
  if (typeof InvalidTokenError !== 'function') {
    throw new TypeError(
      "mcpTokenVerifier() needs the SDK's InvalidTokenError: import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js'.",
    );
  }
  // A verifier from an older copy of the core has no describe(), and no resource.
  const resource = typeof verifier.describe === 'function' ? verifier.describe().resource : undefined;
  return {
    async verifyAccessToken(token: string): Promise<McpAuthInfo> {
      let auth: VerifiedToken;
      try {
        auth = await verifier.verify(token);
      } catch (error) {
        if (isTollgateError(error) && error.status === 401) throw new InvalidTokenError(error.message);
        throw error;
      }
      return toMcpAuthInfo(auth, token, resource);
    },
  };
}

/** What `mcpAuthInfo` reads of a request: tollgate's `auth` and the headers (Express, Node; `{ auth: ctx.state.auth, headers: ctx.headers }` in Koa). */
export interface McpRequestLike {
  readonly auth?: VerifiedToken | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * The SDK's `AuthInfo` for a request tollgate's middleware verified: for the SDK's transport, which
 * hands `req.auth` to tools as `extra.authInfo`. Reads the verified token from `request.auth` and
 * the token itself from the `Authorization` header (Bearer or DPoP scheme; MCP sends tokens in no
 * other place). `undefined` for an anonymous request.
 *
 * @example
 * app.post('/mcp', auth, async (req, res) => {
 *   req.auth = mcpAuthInfo(req, { resource }); // now the SDK's AuthInfo
 *   await transport.handleRequest(req, res, req.body);
 * });
 */
export function mcpAuthInfo(
  request: McpRequestLike,
  options: { readonly resource?: string | undefined } = {},
): McpAuthInfo | undefined {
  const auth = request.auth;
  if (auth === undefined) return undefined;
  const header = request.headers.authorization;
  const value = typeof header === 'string' ? header : header?.[0];
  const token = value === undefined ? undefined : /^(?:Bearer|DPoP)\s+(\S+)\s*$/i.exec(value)?.[1];
  return toMcpAuthInfo(auth, token ?? '', options.resource);
}
