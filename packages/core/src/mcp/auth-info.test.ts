import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '../index.js';
import { startJwksServer, type JwksServer } from '../testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from '../testing/keys.js';
import { mcpAuthInfo, mcpTokenVerifier, toMcpAuthInfo } from '../mcp.js';

const RESOURCE = 'https://api.example.com/mcp';
const nowSec = () => Math.floor(Date.now() / 1000);

/** Stands in for the SDK's class: the bridge must throw instances of the class it is given. */
class InvalidTokenError extends Error {
  readonly errorCode = 'invalid_token';
}

let key: TestKey;
let server: JwksServer;
let verifier: Verifier;

beforeAll(async () => {
  key = makeKey('ES256', 'k1');
  server = await startJwksServer({ keys: [key.publicJwk] });
  verifier = createVerifier({
    resource: RESOURCE,
    jwksUri: server.jwksUri,
    audience: 'legacy-api',
    algorithms: ['ES256'],
  });
});
afterAll(async () => {
  await verifier.close();
  await server.close();
});

const token = (claims: Record<string, unknown> = {}) =>
  sign(key, {
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'agent',
    scope: 'tools:read tools:call',
    exp: nowSec() + 600,
    iat: nowSec(),
    ...claims,
  });

describe('mcpTokenVerifier', () => {
  const bridge = () => mcpTokenVerifier(verifier, { InvalidTokenError });

  it("maps a verified token to the SDK's AuthInfo", async () => {
    const exp = nowSec() + 600;
    const t = await token({ scp: ['admin'], exp });
    const info = await bridge().verifyAccessToken(t);
    expect(info).toEqual({
      token: t,
      clientId: 'agent',
      scopes: ['tools:read', 'tools:call', 'admin'],
      expiresAt: exp,
      resource: new URL(RESOURCE),
      extra: { claims: expect.objectContaining({ sub: 'user-1', aud: RESOURCE }), issuer: server.jwksUri },
    });
  });

  it('names the resource only for a token minted for it, and finds the client in azp when client_id is absent', async () => {
    const legacy = await bridge().verifyAccessToken(
      await token({ aud: 'legacy-api', client_id: undefined, azp: 'web' }),
    );
    expect(legacy).not.toHaveProperty('resource');
    expect(legacy.clientId).toBe('web');
    expect((await bridge().verifyAccessToken(await token({ client_id: undefined }))).clientId).toBe('');
  });

  it("throws the SDK's InvalidTokenError for every refused token, with tollgate's message", async () => {
    for (const t of [
      await token({ aud: 'https://other.example/mcp' }),
      await token({ exp: nowSec() - 60 }),
      'not-a-jwt',
    ]) {
      const error = await bridge()
        .verifyAccessToken(t)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTokenError);
    }
    const other = await bridge()
      .verifyAccessToken(await token({ aud: 'https://other.example/mcp' }))
      .catch((e: unknown) => e);
    expect((other as Error).message).toBe('Token "aud" does not name this service.');
  });

  it('lets key outages through as they are: the token may be fine', async () => {
    const closed = createVerifier({ resource: RESOURCE, jwksUri: server.jwksUri, algorithms: ['ES256'] });
    await closed.close();
    const error = await mcpTokenVerifier(closed, { InvalidTokenError })
      .verifyAccessToken(await token())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VERIFIER_CLOSED', status: 503 });
    expect(error).not.toBeInstanceOf(InvalidTokenError);
  });

  it("needs the SDK's error class", () => {
    expect(() => mcpTokenVerifier(verifier, {} as never)).toThrow(/InvalidTokenError/);
  });
});

describe('mcpAuthInfo', () => {
  it('reads the verified token of a request and its token from the Authorization header, in either scheme', async () => {
    const t = await token();
    const auth = await verifier.verify(t);
    expect(mcpAuthInfo({ auth, headers: { authorization: `Bearer ${t}` } }, { resource: RESOURCE })).toEqual(
      toMcpAuthInfo(auth, t, RESOURCE),
    );
    expect(mcpAuthInfo({ auth, headers: { authorization: `DPoP ${t}` } })?.token).toBe(t);
    expect(mcpAuthInfo({ auth, headers: { authorization: `DPoP ${t}` } })).not.toHaveProperty('resource');
    expect(mcpAuthInfo({ auth: undefined, headers: {} })).toBeUndefined();
  });
});
