import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash } from './dpop/dpop-proof.js';
import { jwkThumbprint } from './dpop/jwk-thumbprint.js';
import type { ReplayStore } from './dpop/replay-store.js';
import { createGate, type Gate } from './gate.js';
import { ClaimError, requireAuthLevel, TokenError, type AnyTollgateError, type VerifierOptions } from './index.js';
import type { RequestFacts } from './request-facts.js';
import { makeProof, makeProofKey, type ProofKeyPair } from './testing/dpop-proofs.js';
import { manualClock } from './testing/clock.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from './testing/keys.js';

const AUD = 'orders';
const ORIGIN = 'https://api.example.com';
const ADAPTER = { where: 'test gate', onErrorSignature: '(err)', verifierOptionsGo: 'in the first argument' } as const;
let issuerKey: TestKey;
let client: ProofKeyPair;
let thief: ProofKeyPair;
let server: JwksServer;
const clock = manualClock(Date.UTC(2026, 11, 4, 12));
const nowSec = () => Math.floor(clock.now() / 1000);
const opened: Gate[] = [];

beforeAll(async () => {
  issuerKey = makeKey('ES256', 'k1');
  client = makeProofKey('ES256');
  thief = makeProofKey('ES256');
  server = await startJwksServer({ keys: [issuerKey.publicJwk] });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.verifier.close()));
});

function gate(options: Record<string, unknown> = {}, verifier: Partial<VerifierOptions> = {}): Gate {
  const g = createGate(
    { jwksUri: server.jwksUri, audience: AUD, algorithms: ['ES256'], clock: clock.now, ...verifier },
    options,
    ADAPTER,
  );
  opened.push(g);
  return g;
}

const token = (claims: Record<string, unknown> = {}) =>
  sign(issuerKey, { aud: AUD, sub: 'alice', exp: nowSec() + 600, iat: nowSec(), ...claims });
const boundToken = (key = client) => token({ cnf: { jkt: jwkThumbprint(key.publicJwk) } });

function facts(headers: Record<string, string | string[]>, method = 'GET', url = '/orders/7?page=2'): RequestFacts {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, url, header: (name) => lower[name] };
}

async function proof(accessToken: string, overrides: Record<string, unknown> = {}, key = client): Promise<string> {
  return makeProof(key, {
    htm: 'GET',
    htu: `${ORIGIN}/orders/7`,
    iat: nowSec(),
    ath: accessTokenHash(accessToken),
    ...overrides,
  });
}

async function refusal(
  g: Gate,
  request: RequestFacts,
): Promise<{ error: AnyTollgateError; status: number; headers: Readonly<Record<string, string>> }> {
  let error: AnyTollgateError | undefined;
  try {
    await g.authenticate(request);
  } catch (thrown) {
    error = thrown as AnyTollgateError;
  }
  if (error === undefined) throw new Error('the request was accepted');
  const { status, headers } = g.respond(error);
  return { error, status, headers };
}

describe('gate: Bearer', () => {
  it('authenticates synchronously once keys are fresh, and says the token is a bearer token', async () => {
    const g = gate();
    const t = await token();
    await g.authenticate(facts({ authorization: `Bearer ${t}` }));
    const auth = g.authenticate(facts({ authorization: `Bearer ${t}` }));
    expect(auth).not.toBeInstanceOf(Promise);
    expect(auth).toMatchObject({ binding: 'bearer', claims: { sub: 'alice' }, alg: 'ES256' });
    expect(g.successHeaders(auth as never)).toBeUndefined();
  });

  it('refuses a DPoP-bound token sent as Bearer (a stolen token tried without its key), in every mode', async () => {
    const t = await boundToken();
    for (const options of [{}, { dpop: { mode: 'allowed', origin: ORIGIN } }]) {
      const { error, status, headers } = await refusal(gate(options), facts({ authorization: `Bearer ${t}` }));
      expect(error.code).toBe('ERR_DPOP_BOUND_TOKEN_AS_BEARER');
      expect(status).toBe(401);
      expect(headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    }
  });

  it('treats the DPoP scheme as no credentials when DPoP is off', async () => {
    const { error, headers } = await refusal(gate(), facts({ authorization: `DPoP ${await boundToken()}`, dpop: 'x' }));
    expect(error.code).toBe('ERR_TOKEN_MISSING');
    expect(headers['www-authenticate']).toBe('Bearer realm="api"');
  });
});

describe('gate: DPoP', () => {
  const allowed = { dpop: { mode: 'allowed', origin: ORIGIN } };

  it('accepts a bound token with a fresh proof for this method and URI, and reports the binding', async () => {
    const g = gate(allowed);
    const t = await boundToken();
    const auth = await g.authenticate(facts({ authorization: `DPoP ${t}`, dpop: await proof(t) }));
    expect(auth).toMatchObject({ binding: 'dpop', jkt: jwkThumbprint(client.publicJwk), claims: { sub: 'alice' } });
  });

  it('refuses the same request twice (a captured request replayed)', async () => {
    const g = gate(allowed);
    const t = await boundToken();
    const request = facts({ authorization: `DPoP ${t}`, dpop: await proof(t) });
    await g.authenticate(request);
    const { error, status, headers } = await refusal(g, request);
    expect([error.code, status]).toEqual(['ERR_DPOP_PROOF_REPLAYED', 401]);
    expect(headers['www-authenticate']).toMatch(
      /^Bearer realm="api", DPoP realm="api", algs="[^"]+", error="invalid_dpop_proof"/,
    );
  });

  it("refuses a token bound to another key than the proof's, and an unbound token in the DPoP scheme", async () => {
    const g = gate(allowed);
    const stolen = await boundToken(client);
    expect(
      (await refusal(g, facts({ authorization: `DPoP ${stolen}`, dpop: await proof(stolen, {}, thief) }))).error.code,
    ).toBe('ERR_DPOP_BINDING_MISMATCH');
    const plain = await token();
    expect((await refusal(g, facts({ authorization: `DPoP ${plain}`, dpop: await proof(plain) }))).error.code).toBe(
      'ERR_DPOP_BINDING_MISMATCH',
    );
  });

  it('never spends a proof whose request was refused', async () => {
    const used: string[] = [];
    const store: ReplayStore = { useOnce: (id) => (used.push(id), true) };
    const g = gate({ dpop: { ...allowed.dpop, replayStore: store } });
    const plain = await token();
    await refusal(g, facts({ authorization: `DPoP ${plain}`, dpop: await proof(plain) }));
    expect(used).toEqual([]);
    const t = await boundToken();
    await g.authenticate(facts({ authorization: `DPoP ${t}`, dpop: await proof(t) }));
    expect(used).toHaveLength(1);
  });

  it('fails closed with 503 when the replay store cannot answer', async () => {
    const g = gate({
      dpop: {
        ...allowed.dpop,
        replayStore: { useOnce: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.9:6379')) },
      },
    });
    const t = await boundToken();
    const { error, status, headers } = await refusal(g, facts({ authorization: `DPoP ${t}`, dpop: await proof(t) }));
    expect([error.code, status, headers['retry-after']]).toEqual(['ERR_REPLAY_STORE_UNAVAILABLE', 503, '1']);
  });

  it('required mode refuses every Bearer request and challenges with DPoP only', async () => {
    const g = gate({ dpop: { mode: 'required', origin: ORIGIN } });
    const { error, headers } = await refusal(g, facts({ authorization: `Bearer ${await token()}` }));
    expect(error.code).toBe('ERR_DPOP_REQUIRED');
    expect(headers['www-authenticate']).toMatch(
      /^DPoP realm="api", algs="[^"]+", error="invalid_token", error_description="This resource accepts DPoP-bound tokens only/,
    );
    expect((await refusal(g, facts({}))).headers['www-authenticate']).toMatch(/^DPoP realm="api", algs="[^"]+"$/);
  });

  it('a route can require DPoP where the gate allows both', async () => {
    const g = gate(allowed);
    const t = await token();
    expect(() => g.authenticate(facts({ authorization: `Bearer ${t}` }), { dpop: 'required' })).toThrow(
      expect.objectContaining({ code: 'ERR_DPOP_REQUIRED' }),
    );
    await expect(g.authenticate(facts({ authorization: `Bearer ${t}` }))).resolves.toMatchObject({ binding: 'bearer' });
  });

  it('with nonces: asks for one (401 use_dpop_nonce + DPoP-Nonce), accepts it, and sends the current one on success', async () => {
    const g = gate({ dpop: { ...allowed.dpop, nonce: { secret: 'a-fleet-wide-nonce-secret-of-32-bytes!!' } } });
    const t = await boundToken();
    const first = await refusal(g, facts({ authorization: `DPoP ${t}`, dpop: await proof(t) }));
    expect(first.error.code).toBe('ERR_DPOP_NONCE_REQUIRED');
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(first.headers['www-authenticate']).toMatch(/DPoP realm="api", algs="[^"]+", error="use_dpop_nonce"/);
    const auth = await g.authenticate(facts({ authorization: `DPoP ${t}`, dpop: await proof(t, { nonce }) }));
    expect(g.successHeaders(auth)).toEqual({ 'dpop-nonce': nonce });
  });

  it('builds htu from the configured origin, never from the Host header', async () => {
    const g = gate(allowed);
    const t = await boundToken();
    const forHost = await proof(t, { htu: 'https://evil.example/orders/7' });
    const { error } = await refusal(g, facts({ authorization: `DPoP ${t}`, dpop: forHost, host: 'evil.example' }));
    expect(error).toMatchObject({ code: 'ERR_DPOP_PROOF_INVALID', reason: 'htu' });
  });

  it('refuses two DPoP headers and two proofs in one header with 400, and a missing proof with 401', async () => {
    const g = gate(allowed);
    const t = await boundToken();
    const p = await proof(t);
    expect((await refusal(g, facts({ authorization: `DPoP ${t}`, dpop: [p, p] }))).status).toBe(400);
    expect((await refusal(g, facts({ authorization: `DPoP ${t}`, dpop: `${p}, ${p}` }))).status).toBe(400);
    expect(await refusal(g, facts({ authorization: `DPoP ${t}` }))).toMatchObject({
      status: 401,
      error: { code: 'ERR_DPOP_PROOF_INVALID', reason: 'missing' },
    });
  });

  it('refuses a DPoP configuration it cannot work with, listing every problem', () => {
    expect(() => gate({ dpop: { mode: 'required' }, mtls: { certificateHeader: 'bad header' } })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', options: ['dpop.origin', 'mtls.certificateHeader'] }),
    );
    expect(() =>
      gate({ dpop: { mode: 'allowed', origin: 'https://api.example.com/v1', nonce: { secret: 'short' } } }),
    ).toThrow(expect.objectContaining({ options: ['dpop.origin', 'dpop.nonce.secret'] }));
  });
});

describe('gate: certificate-bound tokens (RFC 8705)', () => {
  const der = Buffer.from('a client certificate stands in here; only its thumbprint matters');
  const x5t = createHash('sha256').update(der).digest('base64url');

  it('accepts a bound token with its certificate and refuses it with none or another', async () => {
    const g = gate();
    const t = await token({ cnf: { 'x5t#S256': x5t } });
    const auth = await g.authenticate({ ...facts({ authorization: `Bearer ${t}` }), clientCertificate: () => der });
    expect(auth).toMatchObject({ binding: 'mtls', x5t });
    expect((await refusal(g, facts({ authorization: `Bearer ${t}` }))).error.code).toBe(
      'ERR_TOKEN_CERTIFICATE_MISMATCH',
    );
    expect(
      (
        await refusal(g, {
          ...facts({ authorization: `Bearer ${t}` }),
          clientCertificate: () => Buffer.from('another'),
        })
      ).error.code,
    ).toBe('ERR_TOKEN_CERTIFICATE_MISMATCH');
  });
});

describe('gate: a resource that describes itself (RFC 9728, RFC 8707, RFC 9470)', () => {
  const RESOURCE = 'https://api.example.com/orders';
  const METADATA = 'https://api.example.com/.well-known/oauth-protected-resource/orders';
  const described = (options: Record<string, unknown> = {}) =>
    gate(options, { resource: RESOURCE, audience: undefined });

  it('builds its metadata once, from the verifier and its own options', () => {
    const g = described({ dpop: { mode: 'allowed', origin: ORIGIN, proof: { algorithms: ['ES256'] } } });
    expect(g.metadata).toBe(g.metadata);
    expect(g.metadata?.url).toBe(METADATA);
    expect(g.metadata?.document).toEqual({
      resource: RESOURCE,
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: false,
    });
    expect(gate().metadata).toBeUndefined();
    expect(described({ resourceMetadata: false }).metadata).toBeUndefined();
  });

  it('names the metadata in every challenge: missing token, bad token, token for another resource, scope, DPoP', async () => {
    const g = described();
    const missing = await refusal(g, facts({}));
    expect(missing.headers['www-authenticate']).toBe(`Bearer realm="api", resource_metadata="${METADATA}"`);
    const other = await refusal(
      g,
      facts({ authorization: `Bearer ${await token({ aud: 'https://api.example.com/billing' })}` }),
    );
    expect(other).toMatchObject({ status: 401, error: { code: 'ERR_CLAIM_MISMATCH', claim: 'aud' } });
    expect(other.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="Token \\"aud\\" does not name this service.", resource_metadata="${METADATA}"`,
    );
    const scope = g.respond(
      new ClaimError('ERR_CLAIM_SCOPE_INSUFFICIENT', 'The token lacks the scope(s): orders:write.', {
        claim: 'scope',
        reason: 'insufficient',
        expected: ['orders:write'],
      }),
    );
    expect(scope.headers['www-authenticate']).toMatch(/, scope="orders:write", resource_metadata="[^"]+"$/);
    const both = await refusal(described({ dpop: { mode: 'allowed', origin: ORIGIN } }), facts({}));
    expect(both.headers['www-authenticate']).toBe(
      `Bearer realm="api", resource_metadata="${METADATA}", DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519", resource_metadata="${METADATA}"`,
    );
    expect(gate({}).respond(new TokenError('ERR_TOKEN_MISSING', 'x')).headers['www-authenticate']).toBe(
      'Bearer realm="api"',
    );
  });

  it('accepts a token minted for the resource', async () => {
    expect(
      await described().authenticate(facts({ authorization: `Bearer ${await token({ aud: RESOURCE })}` })),
    ).toMatchObject({ binding: 'bearer', claims: { aud: RESOURCE } });
  });

  it('answers a step-up refusal with 401 insufficient_user_authentication, acr_values and max_age next to resource_metadata', async () => {
    const g = described();
    const auth = await g.authenticate(
      facts({
        authorization: `Bearer ${await token({ aud: RESOURCE, acr: 'urn:example:pwd', auth_time: nowSec() - 60 })}`,
      }),
    );
    const check = requireAuthLevel({ acr: ['urn:example:mfa', 'urn:example:hwk'], maxAgeSec: 300, clock: clock.now });
    let refused: unknown;
    try {
      await check(auth);
    } catch (error) {
      refused = error;
    }
    const { status, headers } = g.respond(refused as AnyTollgateError, { auth });
    expect(status).toBe(401);
    expect(headers['www-authenticate']).toBe(
      `Bearer realm="api", error="insufficient_user_authentication", error_description="This resource needs a stronger login (acr urn:example:mfa or urn:example:hwk); authenticate again with acr_values.", acr_values="urn:example:mfa urn:example:hwk", max_age=300, resource_metadata="${METADATA}"`,
    );
  });

  it('refuses metadata options for a verifier without a resource', () => {
    expect(() => gate({ resourceMetadata: { scopesSupported: ['orders:read'] } })).toThrow(
      expect.objectContaining({ options: ['resourceMetadata'] }),
    );
  });
});
