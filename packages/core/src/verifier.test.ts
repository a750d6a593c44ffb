import { createHmac, createPublicKey, sign as cryptoSign } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, isTollgateError, type Verifier, type VerifierOptions } from './index.js';
import { manualClock } from './testing/clock.js';
import { startJwksServer, type JwksServer } from './testing/jwks-server.mjs';
import { makeKey, sign, type TestKey } from './testing/keys.js';

const AUD = 'orders';
const SECRET = 'a-shared-migration-secret-of-32+-bytes!';
let keys: Record<'rs' | 'ps' | 'es' | 'es384' | 'ed', TestKey>;
let server: JwksServer;
const open: Verifier[] = [];

beforeAll(() => {
  keys = {
    rs: makeKey('RS256', 'rs'),
    ps: makeKey('PS256', 'ps'),
    es: makeKey('ES256', 'es'),
    es384: makeKey('ES384', 'es384'),
    ed: makeKey('EdDSA', 'ed'),
  };
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
  await server?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  aud: AUD,
  exp: now() + 600,
  iat: now(),
  sub: 'u1',
  ...extra,
});

async function make(
  options: Partial<VerifierOptions> = {},
  jwks: Record<string, unknown>[] = Object.values(keys).map((k) => k.publicJwk),
): Promise<Verifier> {
  server = await startJwksServer({ keys: jwks });
  const v = createVerifier({
    jwksUri: server.jwksUri,
    audience: AUD,
    algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
    ...options,
  });
  open.push(v);
  return v;
}

function hs256(
  payload: Record<string, unknown>,
  secret: string | Buffer,
  header: Record<string, unknown> = {},
): string {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

describe('verify', () => {
  it.each(['rs', 'ps', 'es', 'es384', 'ed'] as const)(
    'verifies %s tokens and reports alg, kid and key source',
    async (name) => {
      const v = await make();
      const result = await v.verify(await sign(keys[name], claims({ scope: 'orders:read' })));
      expect(result).toMatchObject({
        alg: keys[name].alg,
        kid: name,
        keySource: 'jwks',
        cached: false,
        claims: { sub: 'u1', scope: 'orders:read' },
      });
      expect(result.header.kid).toBe(name);
      expect(v.stats()).toMatchObject({ accepted: 1, refused: 0, acceptedByAlg: { [keys[name].alg]: 1 } });
    },
  );

  it('refuses a tampered payload and a signature from a key not in the JWKS under a JWKS kid', async () => {
    const v = await make();
    const token = await sign(keys.rs, claims());
    const [h, , s] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    await expect(v.verify(`${h}.${forgedPayload}.${s}`)).rejects.toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
      status: 401,
    });
    const attacker = makeKey('RS256', 'rs');
    await expect(v.verify(await sign(attacker, claims()))).rejects.toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    });
    expect(v.stats().refusedByCode).toEqual({ ERR_TOKEN_SIGNATURE_INVALID: 2 });
  });

  it('refuses algorithms outside the allowlist and "none" in any casing', async () => {
    const v = await make({ algorithms: ['RS256'] });
    await expect(v.verify(await sign(keys.es, claims()))).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url');
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const header = Buffer.from(JSON.stringify({ alg, kid: 'rs' })).toString('base64url');
      await expect(v.verify(`${header}.${payload}.`)).rejects.toMatchObject({ status: 401 });
      await expect(v.verify(`${header}.${payload}.AAAA`)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    }
    expect(server.counts.jwks).toBe(0);
  });

  it('refuses a token whose alg does not fit the key its kid names', async () => {
    const v = await make();
    // An ES256 header pointing at the RSA key.
    await expect(v.verify(await sign(keys.es, claims(), { kid: 'rs' }))).rejects.toMatchObject({
      code: 'ERR_ALG_KEY_MISMATCH',
    });
    // An RS256 header pointing at the EC key, and PS256 at a key whose JWK says RS256.
    await expect(v.verify(await sign(keys.rs, claims(), { kid: 'es' }))).rejects.toMatchObject({
      code: 'ERR_ALG_KEY_MISMATCH',
    });
    await expect(v.verify(await sign({ ...keys.rs, alg: 'PS256' }, claims()))).rejects.toMatchObject({
      code: 'ERR_ALG_KEY_MISMATCH',
    });
  });

  it('never uses enc keys, symmetric keys, private key material, small RSA keys or unknown curves', async () => {
    const enc = makeKey('RS256', 'enc', { use: 'enc' });
    const small = makeKey('RS256', 'small', {}, 1024);
    const priv = makeKey('ES256', 'priv');
    const privJwk = { ...priv.privateKey.export({ format: 'jwk' }), kid: 'priv', alg: 'ES256' };
    const oct = { kty: 'oct', kid: 'oct', k: Buffer.from(SECRET).toString('base64url'), alg: 'HS256' };
    const opsEncrypt = makeKey('RS256', 'ops', { key_ops: ['encrypt'], use: undefined });
    const v = await make({ algorithms: ['RS256', 'ES256'] }, [
      enc.publicJwk,
      small.publicJwk,
      privJwk,
      oct,
      opsEncrypt.publicJwk,
      keys.rs.publicJwk,
    ]);
    const rejected: string[] = [];
    v.on('keys:rejected', (e) => rejected.push(...e.rejected.map((r) => `${r.kid}:${r.reason}`)));
    for (const key of [enc, priv, opsEncrypt]) {
      await expect(v.verify(await sign(key, claims()))).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    }
    // jose refuses to sign with RSA-1024, so this token is signed with node:crypto directly.
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'small' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const smallToken = `${input}.${cryptoSign('sha256', Buffer.from(input), small.privateKey).toString('base64url')}`;
    await expect(v.verify(smallToken)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(rejected).toEqual([
      'enc:use-not-sig',
      'small:rsa-too-small',
      'priv:private-material',
      'oct:symmetric',
      'ops:key-ops-without-verify',
    ]);
    expect(v.health().sources[0]!.keys).toBe(1);
  });

  it('verifies a token without kid only when exactly one key fits its alg', async () => {
    const single = await make({}, [keys.rs.publicJwk, keys.es.publicJwk]);
    await expect(single.verify(await sign(keys.es, claims(), { kid: undefined }))).resolves.toMatchObject({
      kid: undefined,
      alg: 'ES256',
    });
    await server.close();
    const rs2 = makeKey('RS256', 'rs2');
    const two = await make({}, [keys.rs.publicJwk, rs2.publicJwk]);
    await expect(two.verify(await sign(keys.rs, claims(), { kid: undefined }))).rejects.toMatchObject({
      code: 'ERR_KEY_AMBIGUOUS',
    });
  });

  it('imports each key once across refreshes', async () => {
    const clock = manualClock(Date.now());
    const v = await make({ clock: clock.now }, [keys.rs.publicJwk]);
    const added: (string | undefined)[] = [];
    v.on('keys:added', (e) => added.push(...e.kids));
    await v.ready();
    server.etag = false;
    server.keys = [keys.rs.publicJwk, keys.es.publicJwk];
    clock.advance(601_000);
    await v.ready();
    expect(added).toEqual(['rs', 'es']);
    expect(v.stats().jwks).toMatchObject({ fetches: 2, keysAdded: 2, keysRemoved: 0 });
  });
});

describe('HS256 migration', () => {
  it('is off unless secrets are configured', async () => {
    const v = await make();
    await expect(v.verify(hs256(claims(), SECRET))).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
  });

  it('accepts HS256 against any configured secret next to RS256, and counts it', async () => {
    const old = 'the-previous-shared-secret-32-bytes-long';
    const v = await make({ algorithms: ['RS256', 'HS256'], hs256: { secrets: [SECRET, old] } });
    await expect(v.verify(hs256(claims(), SECRET))).resolves.toMatchObject({ alg: 'HS256', keySource: 'secret' });
    await expect(v.verify(hs256(claims(), old))).resolves.toMatchObject({ keySource: 'secret' });
    await expect(v.verify(await sign(keys.rs, claims()))).resolves.toMatchObject({ keySource: 'jwks' });
    await expect(v.verify(hs256(claims(), 'some-other-secret-that-is-long-enough!!'))).rejects.toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    });
    expect(v.stats().hs256.accepted).toBe(2);
    expect(v.stats().hs256.lastAcceptedAt).toBeTypeOf('number');
  });

  it('refuses the key-confusion attack: HS256 signed with the RSA public key as HMAC secret, in every encoding', async () => {
    const v = await make({ algorithms: ['RS256', 'HS256'], hs256: { secrets: [SECRET] } });
    const pub = createPublicKey(keys.rs.privateKey);
    const forms: (string | Buffer)[] = [
      pub.export({ format: 'pem', type: 'spki' }),
      pub.export({ format: 'pem', type: 'pkcs1' }),
      pub.export({ format: 'der', type: 'spki' }),
      JSON.stringify(keys.rs.publicJwk),
      Buffer.from(keys.rs.publicJwk.n as string, 'base64url'),
    ];
    for (const secret of forms) {
      for (const kid of ['rs', undefined]) {
        await expect(v.verify(hs256(claims(), secret, { kid }))).rejects.toMatchObject({
          code: 'ERR_TOKEN_SIGNATURE_INVALID',
        });
      }
    }
    // Without migration mode the same tokens fail even earlier.
    const strict = await make();
    await expect(strict.verify(hs256(claims(), forms[0]!, { kid: 'rs' }))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('stops accepting HS256 after the end date', async () => {
    const clock = manualClock(Date.now());
    const v = await make({
      algorithms: ['RS256', 'HS256'],
      hs256: { secrets: [SECRET], notAfter: clock.now() + 1000 },
      clock: clock.now,
    });
    const token = hs256(claims({ exp: now() + 86_400 }), SECRET);
    await expect(v.verify(token)).resolves.toMatchObject({ alg: 'HS256' });
    clock.advance(2000);
    await expect(v.verify(token)).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
      message: expect.stringContaining('migration window ended'),
    });
  });

  it('works with HS256 alone and no key server at all', async () => {
    const v = createVerifier({
      issuer: 'https://auth.example.com',
      audience: AUD,
      algorithms: ['HS256'],
      hs256: { secrets: [SECRET] },
    });
    open.push(v);
    await expect(v.verify(hs256(claims({ iss: 'https://auth.example.com' }), SECRET))).resolves.toMatchObject({
      alg: 'HS256',
    });
    expect(v.health()).toEqual({ status: 'ready', sources: [] });
  });
});

describe('multi-tenant', () => {
  it("selects the issuer by the token's iss and rejects untrusted issuers before any network call", async () => {
    server = await startJwksServer({ keys: [keys.rs.publicJwk] });
    const other = await startJwksServer({ keys: [keys.es.publicJwk] });
    try {
      const v = createVerifier({
        issuers: [
          { issuer: 'https://a.example', jwksUri: server.jwksUri, audience: 'a-api', algorithms: ['RS256'] },
          { issuer: 'https://b.example', jwksUri: other.jwksUri, audience: 'b-api', algorithms: ['ES256'] },
        ],
      });
      open.push(v);
      await expect(
        v.verify(await sign(keys.rs, claims({ iss: 'https://a.example', aud: 'a-api' }))),
      ).resolves.toMatchObject({ issuer: 'https://a.example' });
      await expect(
        v.verify(await sign(keys.es, claims({ iss: 'https://b.example', aud: 'b-api' }))),
      ).resolves.toMatchObject({ issuer: 'https://b.example' });
      // Tenant A's audience and algorithms do not carry over to B.
      await expect(
        v.verify(await sign(keys.es, claims({ iss: 'https://b.example', aud: 'a-api' }))),
      ).rejects.toMatchObject({ code: 'ERR_CLAIM_MISMATCH', claim: 'aud' });
      await expect(
        v.verify(await sign(keys.rs, claims({ iss: 'https://b.example', aud: 'b-api' }))),
      ).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
      const before = server.counts.jwks + other.counts.jwks;
      for (const iss of ['https://evil.example', 'https://a.example/', undefined]) {
        await expect(
          v.verify(await sign(keys.rs, claims({ iss, aud: 'a-api' }), { kid: 'unknown' })),
        ).rejects.toMatchObject({ code: 'ERR_CLAIM_MISMATCH', claim: 'iss' });
      }
      expect(server.counts.jwks + other.counts.jwks).toBe(before);
    } finally {
      await other.close();
    }
  });
});

describe('resource (RFC 8707)', () => {
  const resource = 'https://api.example.com/mcp';

  it('accepts tokens for this resource only, and for a given audience next to it', async () => {
    const v = await make({ resource, audience: undefined });
    await expect(v.verify(await sign(keys.rs, claims({ aud: resource })))).resolves.toMatchObject({
      claims: { aud: resource },
    });
    await expect(
      v.verify(await sign(keys.rs, claims({ aud: ['https://other.example/mcp', resource] }))),
    ).resolves.toMatchObject({ alg: 'RS256' });
    for (const aud of ['https://other.example/mcp', `${resource}/`, AUD]) {
      await expect(v.verify(await sign(keys.rs, claims({ aud })))).rejects.toMatchObject({
        code: 'ERR_CLAIM_MISMATCH',
        claim: 'aud',
      });
    }
    const moving = await make({ resource });
    await expect(moving.verify(await sign(keys.rs, claims({ aud: AUD })))).resolves.toMatchObject({ alg: 'RS256' });
    await expect(moving.verify(await sign(keys.rs, claims({ aud: resource })))).resolves.toMatchObject({
      alg: 'RS256',
    });
  });

  it('describes what it accepts: the resource and the trusted issuers, frozen', async () => {
    const v = createVerifier({
      resource,
      issuers: [
        { issuer: 'https://a.example', algorithms: ['RS256'] },
        { jwksUri: 'https://b.example/jwks', issuer: 'https://b.example/tenant', audience: 'b', algorithms: ['ES256'] },
      ],
    });
    open.push(v);
    expect(v.describe()).toEqual({ resource, authorizationServers: ['https://a.example', 'https://b.example/tenant'] });
    expect(Object.isFrozen(v.describe()) && Object.isFrozen(v.describe().authorizationServers)).toBe(true);
    const partner = await make();
    expect(partner.describe()).toEqual({ resource: undefined, authorizationServers: [] });
  });
});

describe('token cache', () => {
  it('serves repeated tokens from the cache, never past exp', async () => {
    const clock = manualClock(Date.now());
    const v = await make({ tokenCache: { maxEntries: 10 }, clock: clock.now, clockToleranceSec: 0 });
    const token = await sign(keys.rs, claims({ exp: Math.floor(clock.now() / 1000) + 60 }));
    expect((await v.verify(token)).cached).toBe(false);
    expect((await v.verify(token)).cached).toBe(true);
    expect(v.stats().tokenCache).toEqual({ hits: 1, size: 1 });
    clock.advance(60_000);
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_CLAIM_EXPIRED' });
    expect(v.stats().tokenCache).toEqual({ hits: 1, size: 0 });
  });

  it('drops entries whose key left the JWKS', async () => {
    const clock = manualClock(Date.now());
    const v = await make({ tokenCache: true, clock: clock.now }, [keys.rs.publicJwk, keys.es.publicJwk]);
    const token = await sign(keys.es, claims({ exp: now() + 86_400 }));
    await v.verify(token);
    await expect(v.verify(token)).resolves.toMatchObject({ cached: true });
    server.keys = [keys.rs.publicJwk];
    clock.advance(601_000);
    await v.ready();
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
  });

  it('is bounded by maxEntries', async () => {
    const v = await make({ tokenCache: { maxEntries: 5 } });
    for (let i = 0; i < 20; i++) await v.verify(await sign(keys.es, claims({ jti: String(i) })));
    expect(v.stats().tokenCache?.size).toBe(5);
  });

  it('once full, stores a token on its second coming only, so one-time tokens never evict the repeated ones', async () => {
    const v = await make({ tokenCache: { maxEntries: 3 } });
    const kept = await Promise.all([0, 1, 2].map((i) => sign(keys.es, claims({ jti: `kept-${i}` }))));
    for (const token of kept) await v.verify(token);
    for (let i = 0; i < 10; i++) await v.verify(await sign(keys.es, claims({ jti: `once-${i}` })));
    for (const token of kept) await expect(v.verify(token)).resolves.toMatchObject({ cached: true });
    const late = await sign(keys.es, claims({ jti: 'late' }));
    await expect(v.verify(late)).resolves.toMatchObject({ cached: false });
    await expect(v.verify(late)).resolves.toMatchObject({ cached: false });
    await expect(v.verify(late)).resolves.toMatchObject({ cached: true });
    expect(v.stats().tokenCache).toEqual({ hits: 4, size: 3 });
  });
});

describe('observability and lifecycle', () => {
  it('emits fetch and verify events with outcome, code and alg', async () => {
    const v = await make();
    const fetches: unknown[] = [];
    const verifies: unknown[] = [];
    v.on('fetch', (e) => fetches.push(e));
    const off = v.on('verify', (e) => verifies.push(e));
    await v.verify(await sign(keys.rs, claims()));
    await v.verify('not-a-token').catch(() => undefined);
    off();
    await v.verify(await sign(keys.rs, claims()));
    expect(fetches).toEqual([
      expect.objectContaining({ kind: 'jwks', outcome: 'updated', status: 200, durationMs: expect.any(Number) }),
    ]);
    expect(verifies).toEqual([
      { outcome: 'accepted', alg: 'RS256', source: 'jwks', issuer: server.jwksUri, cached: false },
      { outcome: 'refused', code: 'ERR_TOKEN_MALFORMED', cached: false },
    ]);
  });

  it('a throwing listener does not change the result', async () => {
    const v = await make();
    v.on('verify', () => {
      throw new Error('listener bug');
    });
    await expect(v.verify(await sign(keys.rs, claims()))).resolves.toMatchObject({ alg: 'RS256' });
  });

  it('reports health for readiness probes and refuses after close()', async () => {
    const v = await make();
    expect(v.health().status).toBe('unavailable');
    await v.ready();
    expect(v.health()).toMatchObject({
      status: 'ready',
      sources: [{ status: 'fresh', keys: 5, inFlight: false, consecutiveFailures: 0 }],
    });
    await v.close();
    await expect(v.verify(await sign(keys.rs, claims()))).rejects.toMatchObject({
      code: 'ERR_VERIFIER_CLOSED',
      status: 503,
    });
  });

  it('never rejects with anything but a tollgate error, and messages never contain the token', async () => {
    const v = await make();
    const token = await sign(keys.rs, claims({ exp: now() - 3600 }));
    const inputs: unknown[] = [
      undefined,
      null,
      42,
      {},
      [],
      '',
      '.',
      '..',
      'a.b.c',
      token,
      `${token}x`,
      token.replace(/\./g, '..'),
      'x'.repeat(100_000),
    ];
    for (const input of inputs) {
      const error = await v.verify(input as string).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTollgateError(error)).toBe(true);
      expect((error as Error).message).not.toContain(token.split('.')[1]!);
    }
  });

  it('runs custom async claim checks and wraps their failures', async () => {
    const v = await make({
      checkClaims: async (c) => {
        await new Promise((r) => setTimeout(r, 1));
        if (c.sub === 'banned') throw new Error('internal detail');
      },
    });
    await expect(v.verify(await sign(keys.rs, claims()))).resolves.toMatchObject({ alg: 'RS256' });
    const error = await v.verify(await sign(keys.rs, claims({ sub: 'banned' }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_CLAIM_CHECK_FAILED', status: 401 });
    expect((error as Error).message).not.toContain('internal detail');
  });

  it('accepts tokens signed by jose with a PS256 key (independent signer)', async () => {
    const v = await make();
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'PS256', kid: 'ps' }).sign(keys.ps.privateKey);
    await expect(v.verify(token)).resolves.toMatchObject({ alg: 'PS256' });
  });
});
