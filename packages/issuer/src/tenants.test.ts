import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerConfigError } from './errors.js';
import { loadTenantsFile } from './tenant-file.js';
import { basic, form, startIssuer } from './test-support.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const EXAMPLE = fileURLToPath(new URL('../tenants.example.yaml', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-tenants-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const YAML_TENANTS = `
apiVersion: app.uitsmijter.io/v1
kind: Tenant
metadata:
  name: acme
spec:
  jwt_algorithm: ES256
  hosts: [acme.example]
  audience: https://api.acme.example
  interceptor: { enabled: true }   # Uitsmijter login settings are accepted and ignored
  clients:
    - id: acme-orders
      secret: acme-orders-secret
      scopes: [orders:read]
---
apiVersion: app.uitsmijter.io/v1
kind: Tenant
metadata:
  name: globex
spec:
  audience: [globex-api, globex-admin]
  token_lifetime_sec: 300
  clients:
    - id: globex-ops
      secret_env: GLOBEX_SECRET
      scopes: [ops]
      grant_types: [client_credentials]
`;

describe('several tenants on one server', () => {
  it('serves each tenant from a YAML file under /tenants/<name>, with its own issuer, audience, algorithm and keys', async () => {
    const issuer = await startIssuer({
      tenants: await file('tenants.yaml', YAML_TENANTS),
      env: { GLOBEX_SECRET: 'globex-secret' },
    });
    expect(issuer.tenants.map((t) => t.name)).toEqual(['acme', 'globex']);
    const acme = issuer.tenant('acme');
    const globex = issuer.tenant('globex');
    expect(acme).toMatchObject({
      issuer: `${issuer.baseUrl}/tenants/acme`,
      discoveryUrl: `${issuer.baseUrl}/tenants/acme/.well-known/openid-configuration`,
      jwksUri: `${issuer.baseUrl}/tenants/acme/.well-known/jwks.json`,
      tokenEndpoint: `${issuer.baseUrl}/tenants/acme/token`,
      algorithm: 'ES256',
      audience: 'https://api.acme.example',
    });
    expect(globex).toMatchObject({
      algorithm: 'RS256',
      audience: ['globex-api', 'globex-admin'],
      tokenLifetimeSec: 300,
    });
    // The default-tenant shortcuts point at the first tenant.
    expect(issuer.issuerUrl).toBe(acme.issuer);

    for (const tenant of [acme, globex]) {
      const doc = (await (await fetch(tenant.discoveryUrl)).json()) as Record<string, unknown>;
      expect(doc).toMatchObject({
        issuer: tenant.issuer,
        jwks_uri: tenant.jwksUri,
        token_endpoint: tenant.tokenEndpoint,
      });
      const rfc8414 = await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server/tenants/${tenant.name}`);
      expect(((await rfc8414.json()) as Record<string, unknown>).issuer).toBe(tenant.issuer);
    }
    expect((await fetch(`${issuer.baseUrl}/.well-known/jwks.json`)).status).toBe(404);
    expect((await fetch(`${issuer.baseUrl}/tenants/nobody/.well-known/jwks.json`)).status).toBe(404);
    expect((await fetch(`${globex.issuer}/userinfo`)).status).toBe(404);

    const acmeToken = await issuer.sign({}, { tenant: 'acme' });
    const globexToken = await issuer.sign({}, { tenant: 'globex' });
    const acmeKeys = createRemoteJWKSet(new URL(acme.jwksUri));
    const globexKeys = createRemoteJWKSet(new URL(globex.jwksUri));
    await jwtVerify(acmeToken, acmeKeys, { issuer: acme.issuer, audience: 'https://api.acme.example' });
    await jwtVerify(globexToken, globexKeys, { issuer: globex.issuer, audience: 'globex-admin' });
    // Tenants share no keys: each tenant's token fails against the other's key set.
    await expect(jwtVerify(acmeToken, globexKeys)).rejects.toThrow();
    await expect(jwtVerify(globexToken, acmeKeys)).rejects.toThrow();
    expect(decodeProtectedHeader(acmeToken).alg).toBe('ES256');

    // Clients belong to their tenant.
    const ok = await fetch(globex.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('globex-ops', 'globex-secret'),
      },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(ok.status).toBe(200);
    const wrongTenant = await fetch(acme.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('globex-ops', 'globex-secret'),
      },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(wrongTenant.status).toBe(401);

    const stats = issuer.stats();
    expect(stats.byTenant.acme).toMatchObject({ discovery: 2, jwks: 1, token: 1 });
    expect(stats.byTenant.globex).toMatchObject({ discovery: 2, jwks: 1, token: 1, other: 1 });
  });

  it('reads the same shape from JSON (an array or one object), and from programmatic configs', async () => {
    const json = JSON.stringify([
      {
        apiVersion: 'app.uitsmijter.io/v1',
        kind: 'Tenant',
        metadata: { name: 'one' },
        spec: { jwt_algorithm: 'EdDSA' },
      },
      { kind: 'Tenant', metadata: { name: 'two' }, spec: { jwt_algorithm: 'HS256', hs256_secret: SECRET } },
    ]);
    const issuer = await startIssuer({ tenants: await file('tenants.json', json) });
    expect(issuer.tenants.map((t) => [t.name, t.algorithm, t.audience])).toEqual([
      ['one', 'EdDSA', 'api://one'],
      ['two', 'HS256', 'api://two'],
    ]);
    const token = await issuer.sign({}, { tenant: 'two' });
    await jwtVerify(token, new TextEncoder().encode(SECRET), {
      issuer: issuer.tenant('two').issuer,
      audience: 'api://two',
    });

    const single = await startIssuer({
      tenants: await file('single.json', JSON.stringify({ metadata: { name: 'solo' } })),
    });
    expect(single.tenant().issuer).toBe(`${single.baseUrl}/tenants/solo`);

    const programmatic = await startIssuer({
      tenants: [{ name: 'p', algorithm: 'ES256', issuer: 'https://issuer.example' }],
    });
    expect(programmatic.tenant('p').issuer).toBe('https://issuer.example');
    const doc = (await (await fetch(programmatic.tenant('p').discoveryUrl)).json()) as Record<string, unknown>;
    expect(doc.issuer).toBe('https://issuer.example');
  });

  it('loads the example tenants file shipped with the package', async () => {
    const tenants = await loadTenantsFile(EXAMPLE, { env: { JWT_SECRET: SECRET } });
    expect(tenants.map((t) => [t.name, t.algorithm])).toEqual([
      ['breadandbutter', 'RS256'],
      ['simple-app', 'HS256'],
    ]);
    await expect(loadTenantsFile(EXAMPLE, { env: {} })).rejects.toThrow(
      /spec\.hs256_secret_env \(tenant "simple-app" in .*tenants\.example\.yaml\) names JWT_SECRET, which is not set/,
    );
  });
});

describe('tenant file validation', () => {
  const tenant = (spec: string, name = 'acme') => `kind: Tenant\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const cases: [string, string, RegExp][] = [
    [
      'a misspelt field',
      tenant('  jwt_algoritm: RS256'),
      /spec\.jwt_algoritm \(.*tenants\.yaml document 1\) is not a known field; known: jwt_algorithm,/,
    ],
    [
      'an unknown algorithm',
      tenant('  jwt_algorithm: RS512'),
      /spec\.jwt_algorithm \(tenant "acme" in .*\) must be one of RS256, ES256, EdDSA, HS256; got "RS512"/,
    ],
    [
      'a short HS256 secret',
      tenant('  jwt_algorithm: HS256\n  hs256_secret: too-short'),
      /spec\.hs256_secret \(tenant "acme" in .*\): the HS256 secret is 9 bytes; HS256 needs at least 32/,
    ],
    [
      'HS256 without a secret',
      tenant('  jwt_algorithm: HS256'),
      /spec\.jwt_algorithm \(tenant "acme" .*\) is HS256, which needs a shared secret: set spec\.hs256_secret or spec\.hs256_secret_env/,
    ],
    [
      'a client without secret',
      tenant('  clients:\n    - id: c'),
      /spec\.clients\[0\]\.secret \(tenant "acme" .*\) is missing/,
    ],
    [
      'a client with an unknown field',
      tenant('  clients:\n    - id: c\n      secrt: x'),
      /spec\.clients\[0\]\.secrt .* is not a known field/,
    ],
    [
      'a scope with a space',
      tenant('  clients:\n    - id: c\n      secret: s\n      scopes: ["a b"]'),
      /spec\.clients\[0\]\.scopes .* must be a list of scope tokens/,
    ],
    [
      'repeated client ids',
      tenant('  clients:\n    - { id: c, secret: s }\n    - { id: c, secret: s }'),
      /spec\.clients\[1\]\.id .* repeats client id "c"/,
    ],
    [
      'a bad token lifetime',
      tenant('  token_lifetime_sec: -5'),
      /spec\.token_lifetime_sec .* must be a positive whole number of seconds; got -5/,
    ],
    [
      'a bad name',
      tenant('  hosts: []', 'Bad/Name'),
      /metadata\.name \(tenant "Bad\/Name" .*\) must be 1-63 lower-case letters/,
    ],
    [
      'a Client document',
      'kind: Client\nmetadata:\n  name: x\nspec: {}',
      /kind .* is "Client"; only Tenant documents are supported/,
    ],
    ['a duplicate tenant', `${tenant('  hosts: []')}\n---\n${tenant('  hosts: []')}`, /defines tenant "acme" twice/],
    ['broken YAML', 'kind: Tenant\nmetadata: [', /is not valid YAML/],
    ['an empty file', '# nothing\n', /contains no tenants/],
    [
      'a non-boolean dpop_nonce',
      tenant('  dpop_nonce: sometimes'),
      /spec\.dpop_nonce \(tenant "acme" .*\) must be a boolean/,
    ],
    [
      'a non-boolean require_dpop',
      tenant('  clients:\n    - { id: c, secret: s, require_dpop: 1 }'),
      /spec\.clients\[0\]\.require_dpop .* must be a boolean/,
    ],
  ];
  it.each(cases)('rejects %s with a message naming the field', async (_name, text, message) => {
    const path = await file('tenants.yaml', text);
    const attempt = startIssuer({ tenants: path });
    await expect(attempt).rejects.toBeInstanceOf(IssuerConfigError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('maps dpop_nonce on the tenant, and require_dpop, resources, acr and amr on a client', async () => {
    const client =
      '{ id: c, secret: s, require_dpop: true, resources: ["https://api.example"], acr: "urn:example:mfa", amr: [pwd, otp] }';
    const path = await file('dpop.yaml', tenant(`  dpop_nonce: true\n  clients:\n    - ${client}`));
    expect(await loadTenantsFile(path)).toEqual([
      {
        name: 'acme',
        dpopNonce: true,
        clients: [
          {
            id: 'c',
            secret: 's',
            requireDpop: true,
            resources: ['https://api.example'],
            acr: 'urn:example:mfa',
            amr: ['pwd', 'otp'],
          },
        ],
      },
    ]);
  });

  it('rejects broken JSON and a missing file', async () => {
    await expect(startIssuer({ tenants: await file('bad.json', '{"kind": ') })).rejects.toThrow(
      /bad\.json is not valid JSON/,
    );
    await expect(startIssuer({ tenants: join(dir, 'missing.yaml') })).rejects.toThrow(
      /cannot read tenants file .*missing\.yaml/,
    );
  });
});

describe('issuer option validation', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['unknown options', { prot: 8080 }, /prot is not an issuer option/],
    ['a bad port', { port: 70_000 }, /port must be a whole number from 0 to 65535; got 70000/],
    ['a bad publicUrl', { publicUrl: 'ftp://x' }, /publicUrl must be an http\(s\) URL/],
    [
      'tenants with defaultTenant',
      { tenants: [{ name: 'a' }], defaultTenant: {} },
      /defaultTenant and tenants are both set/,
    ],
    ['an empty tenant list', { tenants: [] }, /tenants must be a non-empty list/],
    [
      'repeated tenant names',
      { tenants: [{ name: 'a' }, { name: 'a' }] },
      /tenants\[1\]\.name repeats tenant name "a"/,
    ],
    [
      'keyDir with keyStore',
      { keyDir: '/tmp/x', keyStore: { read: () => undefined, write: () => '' } },
      /keyDir and keyStore are both set/,
    ],
    ['a negative max-age', { jwksMaxAgeSec: -1 }, /jwksMaxAgeSec must be a whole number of seconds or null/],
    [
      'a bad tenant issuer',
      { tenants: [{ name: 'a', issuer: 'not a url' }] },
      /tenants\[0\]\.issuer must be an http\(s\) URL/,
    ],
    ['a non-boolean dpopNonce', { dpopNonce: 'yes' }, /^dpopNonce must be a boolean$/],
  ])('rejects %s', async (_name, options, message) => {
    await expect(startIssuer(options)).rejects.toThrow(message);
  });
});
