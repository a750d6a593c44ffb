import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessTokenHash } from '@tollgate/core';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROOF_FLAGS, PROOF_HELP } from './cli/proof.js';
import { MAIN_HELP, runCli, type CliIo } from './cli/run.js';
import { SERVE_FLAGS, SERVE_HELP } from './cli/serve.js';
import { TOKEN_FLAGS, TOKEN_HELP } from './cli/token.js';
import type { Issuer } from './issuer.js';
import { basic, decodePart, withTimeout } from './test-support.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

interface Captured extends CliIo {
  out: string;
  err: string;
}

function io(extra: Partial<CliIo> = {}): Captured {
  const captured: Captured = {
    out: '',
    err: '',
    stdout: (text) => void (captured.out += text),
    stderr: (text) => void (captured.err += text),
    env: {},
    cwd: dir,
    ...extra,
  };
  return captured;
}

/** Runs `serve` in-process until the returned `stop()` is called. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const stopper = new AbortController();
  let listening!: (issuer: Issuer) => void;
  const ready = new Promise<Issuer>((resolve) => (listening = resolve));
  const cli = io({ signal: stopper.signal, env, onListening: (issuer) => listening(issuer) });
  const exit = runCli(['serve', ...args], cli);
  const issuer = await withTimeout(
    Promise.race([ready, exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${cli.err}`)))]),
    10_000,
    'serve',
  );
  const stop = async () => {
    stopper.abort();
    return withTimeout(exit, 5000, 'serve shutdown');
  };
  stops.push(stop);
  return { issuer, cli, stop };
}

let dir: string;
let stops: (() => Promise<number>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
});
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  it('documents every flag of both commands', async () => {
    for (const [command, flags, help] of [
      ['serve', SERVE_FLAGS, SERVE_HELP],
      ['token', TOKEN_FLAGS, TOKEN_HELP],
      ['proof', PROOF_FLAGS, PROOF_HELP],
    ] as const) {
      const cli = io();
      expect(await runCli([command, '--help'], cli)).toBe(0);
      expect(cli.out).toBe(help);
      for (const flag of flags)
        expect(cli.out, `${command} --${flag.name}`).toMatch(new RegExp(`--${flag.name}\\b.*\\S`));
    }
    for (const expected of ['--host', '--port', '--alg', '--tenants', '--keys', '--max-age'])
      expect(SERVE_HELP).toContain(expected);
    for (const expected of ['--alg', '--sub', '--aud', '--scope', '--keys', '--claim', '--dpop-key'])
      expect(TOKEN_HELP).toContain(expected);
    for (const expected of ['--key', '--method', '--url', '--token', '--nonce']) expect(PROOF_HELP).toContain(expected);
  });

  it('prints the command list for --help, and to stderr with status 2 for no command', async () => {
    const help = io();
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out).toBe(MAIN_HELP);
    expect(MAIN_HELP).toContain('not a production identity provider');
    const none = io();
    expect(await runCli([], none)).toBe(2);
    expect(none.err).toBe(MAIN_HELP);
  });

  it.each<[string[], RegExp]>([
    [['bogus'], /unknown command "bogus"\nRun `tollgate-issuer --help`/],
    [['serve', '--nope'], /Unknown option '--nope'.*\nRun `tollgate-issuer serve --help`/s],
    [['serve', 'extra'], /Unexpected argument 'extra'/],
    [['serve', '--alg', 'RS512'], /--alg must be one of RS256, ES256, EdDSA, HS256; got "RS512"/],
    [['serve', '--port', 'eighty'], /--port must be a number from 0 to 65535; got "eighty"/],
    [['serve', '--max-age', '0'], /--max-age must be a duration like 30s/],
    [['serve', '--jwks-max-age', 'soon'], /--jwks-max-age must be a number of seconds or "none"/],
    [
      ['serve', '--tenants', 'x.yaml', '--audience', 'a'],
      /configure the default tenant; with --tenants, set them in the tenants file/,
    ],
    [['token', '--claim', 'novalue'], /--claim must look like name=value/],
    [['token', '--dpop-alg', 'ES256'], /--dpop-alg needs --dpop-key <file>/],
    [
      ['token', '--dpop-key', 'k.json', '--dpop-alg', 'HS256'],
      /--dpop-alg must be one of ES256, RS256, PS256, EdDSA; got "HS256"/,
    ],
    [['proof'], /proof needs --key, --method, --url\nRun `tollgate-issuer proof --help`/],
    [
      ['proof', '--key', 'k.json', '--method', 'GET', '--url', '/orders'],
      /--url must be an absolute URL; got "\/orders"/,
    ],
    [
      ['proof', '--key', 'k.json', '--method', 'GET', '--url', 'http://x/', '--alg', 'none'],
      /--alg must be one of ES256/,
    ],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const cli = io();
    expect(await runCli(argv, cli)).toBe(2);
    expect(cli.err).toMatch(message);
    expect(cli.out).toBe('');
  });
});

describe('serve', () => {
  it('prints its URLs, serves them, and stops cleanly when signalled', async () => {
    const { issuer, cli, stop } = await serve([
      '--port',
      '0',
      '--alg',
      'ES256',
      '--audience',
      'https://api.example',
      '--typ',
      'at+jwt',
      '--jwks-max-age',
      '60',
    ]);
    expect(cli.out).toContain(
      `tollgate-issuer listening on ${issuer.baseUrl} (reference issuer for development and tests; not a production IdP)`,
    );
    expect(cli.out).toContain('tenant default (ES256, audience https://api.example)');
    expect(cli.out).toContain(
      `  issuer     ${issuer.issuerUrl}\n  discovery  ${issuer.discoveryUrl}\n  jwks_uri   ${issuer.jwksUri}\n  token      ${issuer.tokenEndpoint}`,
    );
    expect(cli.out).toContain('keys: in memory');
    const res = await fetch(issuer.jwksUri);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(((await res.json()) as { keys: { alg: string }[] }).keys[0]!.alg).toBe('ES256');
    expect(decodeProtectedHeader(await issuer.sign()).typ).toBe('at+jwt');
    expect(await stop()).toBe(0);
    expect(cli.err).toBe('tollgate-issuer stopped\n');
    await expect(fetch(issuer.jwksUri)).rejects.toThrow();
  });

  it('prints JSON with --json and serves a tenants file', async () => {
    const file = join(dir, 'tenants.yaml');
    await writeFile(
      file,
      'kind: Tenant\nmetadata: { name: acme }\n---\nkind: Tenant\nmetadata: { name: globex }\nspec: { jwt_algorithm: EdDSA }\n',
    );
    const { issuer, cli } = await serve(['--port', '0', '--json', '--tenants', 'tenants.yaml']);
    const printed = JSON.parse(cli.out) as {
      baseUrl: string;
      tenants: { name: string; issuer: string; algorithm: string }[];
    };
    expect(printed.baseUrl).toBe(issuer.baseUrl);
    expect(printed.tenants.map((t) => [t.name, t.issuer, t.algorithm])).toEqual([
      ['acme', `${issuer.baseUrl}/tenants/acme`, 'RS256'],
      ['globex', `${issuer.baseUrl}/tenants/globex`, 'EdDSA'],
    ]);
  });

  it('exits 1 with the reason when the port is taken or the configuration is wrong', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = io();
      expect(await runCli(['serve', '--port', String(port)], taken)).toBe(1);
      expect(taken.err).toMatch(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
    const hs = io();
    expect(await runCli(['serve', '--port', '0', '--alg', 'HS256'], hs)).toBe(1);
    expect(hs.err).toMatch(/defaultTenant\.hs256SecretEnv names JWT_SECRET, which is not set/);
    const short = io({ env: { JWT_SECRET: 'short' } });
    expect(await runCli(['serve', '--port', '0', '--alg', 'HS256'], short)).toBe(1);
    expect(short.err).toMatch(/HS256 secret is 5 bytes/);
  });
});

describe('token', () => {
  it('mints tokens a running serve with the same key directory verifies (serve + token workflow)', async () => {
    const { issuer } = await serve(['--port', '0', '--keys', 'keys']);
    const cli = io();
    const args = [
      'token',
      '--keys',
      'keys',
      '--port',
      String(issuer.port),
      '--sub',
      'alice',
      '--scope',
      'orders:read',
      '--claim',
      'tenant_id=acme',
    ];
    expect(await runCli(args, cli)).toBe(0);
    expect(cli.err).toBe('');
    const token = cli.out.trim();
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    const { payload } = await jwtVerify(token, jwks, { issuer: issuer.issuerUrl, audience: 'api://default' });
    expect(payload).toMatchObject({ sub: 'alice', scope: 'orders:read', tenant_id: 'acme' });

    // A token with an algorithm the server has no key for yet: the new key reaches the server through the directory.
    const es = io();
    expect(await runCli(['token', '--keys', 'keys', '--port', String(issuer.port), '--alg', 'EdDSA'], es)).toBe(0);
    await jwtVerify(es.out.trim(), createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuerUrl });
  });

  it('parses claims, audiences, lifetime and typ', async () => {
    const cli = io();
    const argv = [
      'token',
      '--aud',
      'a',
      '--aud',
      'b',
      '--expires-in',
      '2m',
      '--typ',
      'at+jwt',
      '--claim',
      'n=5',
      '--claim',
      'flag=true',
      '--claim',
      'obj={"x":[1]}',
      '--claim',
      'text=hello world',
    ];
    expect(await runCli(argv, cli)).toBe(0);
    expect(cli.err).toMatch(/no --keys directory/);
    const token = cli.out.trim();
    const payload = decodePart(token, 1);
    expect(payload).toMatchObject({
      iss: 'http://127.0.0.1:4010',
      aud: ['a', 'b'],
      n: 5,
      flag: true,
      obj: { x: [1] },
      text: 'hello world',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    expect(decodePart(token, 0).typ).toBe('at+jwt');
  });

  it('mints HS256 tokens from JWT_SECRET, and for a tenant of a tenants file', async () => {
    const hs = io({ env: { JWT_SECRET: SECRET } });
    expect(await runCli(['token', '--alg', 'HS256', '--public-url', 'https://auth.example'], hs)).toBe(0);
    expect(hs.err).toBe('');
    const { payload } = await jwtVerify(hs.out.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'https://auth.example',
      audience: 'api://default',
    });
    expect(payload.sub).toBe('test-user');

    await writeFile(
      join(dir, 't.json'),
      JSON.stringify([
        { metadata: { name: 'one' } },
        { metadata: { name: 'two' }, spec: { audience: 'two-api', jwt_algorithm: 'ES256' } },
      ]),
    );
    const two = io();
    expect(await runCli(['token', '--tenants', 't.json', '--tenant', 'two', '--port', '9999'], two)).toBe(0);
    expect(decodePart(two.out.trim(), 1)).toMatchObject({ iss: 'http://127.0.0.1:9999/tenants/two', aud: 'two-api' });
    expect(decodePart(two.out.trim(), 0).alg).toBe('ES256');

    const unknown = io();
    expect(await runCli(['token', '--tenants', 't.json', '--tenant', 'three'], unknown)).toBe(1);
    expect(unknown.err).toMatch(/unknown tenant "three"; tenants: one, two/);
  });
});

describe('DPoP: token --dpop-key and proof', () => {
  it('mints a bound token, makes proofs for a resource and for the token endpoint, as the README shows', async () => {
    const { issuer } = await serve(['--port', '0', '--keys', 'keys']);
    const minted = io();
    expect(
      await runCli(
        ['token', '--keys', 'keys', '--port', String(issuer.port), '--dpop-key', 'dpop-key.json', '--scope', 'read'],
        minted,
      ),
    ).toBe(0);
    expect(minted.err).toMatch(
      /made a new ES256 DPoP key in .*dpop-key\.json; the token is bound to it \(jkt [A-Za-z0-9_-]{43}\)/,
    );
    expect(minted.err).toContain(
      'tollgate-issuer proof --key dpop-key.json --method GET --url <request URL> --token <token>',
    );
    const token = minted.out.trim();
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.issuerUrl,
    });
    const jkt = (payload.cnf as { jkt: string }).jkt;
    expect(minted.err).toContain(`(jkt ${jkt})`);

    const file = join(dir, 'dpop-key.json');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      d: expect.any(String),
    });

    // A proof for a request to a resource server, carrying the token.
    const made = io();
    expect(
      await runCli(
        [
          'proof',
          '--key',
          'dpop-key.json',
          '--method',
          'GET',
          '--url',
          'http://127.0.0.1:3000/orders?page=2',
          '--token',
          token,
        ],
        made,
      ),
    ).toBe(0);
    expect(made.err).toBe('');
    const checked = await jwtVerify(made.out.trim(), EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(await calculateJwkThumbprint(checked.protectedHeader.jwk!)).toBe(jkt);
    expect(checked.payload).toMatchObject({
      htm: 'GET',
      htu: 'http://127.0.0.1:3000/orders',
      ath: accessTokenHash(token),
    });

    // A proof for the token endpoint: the issuer answers with a token bound to the same key.
    const forToken = io();
    expect(
      await runCli(['proof', '--key', 'dpop-key.json', '--method', 'POST', '--url', issuer.tokenEndpoint], forToken),
    ).toBe(0);
    const res = await fetch(issuer.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic('tollgate-dev', 'tollgate-dev-secret'),
        'content-type': 'application/x-www-form-urlencoded',
        dpop: forToken.out.trim(),
      },
      body: 'grant_type=client_credentials',
    });
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(decodePart(body.access_token, 1).cnf).toEqual({ jkt });

    // The key file is reused, not replaced.
    const again = io();
    expect(
      await runCli(['token', '--keys', 'keys', '--port', String(issuer.port), '--dpop-key', 'dpop-key.json'], again),
    ).toBe(0);
    expect(again.err).toMatch(/^tollgate-issuer: the token is bound to it/);
    expect(decodePart(again.out.trim(), 1).cnf).toEqual({ jkt });
  });

  it('makes a key of another algorithm on request, and refuses a file of the wrong one or a broken file', async () => {
    const made = io();
    expect(
      await runCli(
        ['proof', '--key', 'ed.json', '--alg', 'EdDSA', '--method', 'GET', '--url', 'http://localhost/'],
        made,
      ),
    ).toBe(0);
    expect(made.err).toMatch(/made a new EdDSA DPoP key/);
    expect(decodeProtectedHeader(made.out.trim())).toMatchObject({
      alg: 'EdDSA',
      typ: 'dpop+jwt',
      jwk: { kty: 'OKP', crv: 'Ed25519' },
    });
    const wrong = io();
    expect(await runCli(['token', '--dpop-key', 'ed.json', '--dpop-alg', 'ES256'], wrong)).toBe(2);
    expect(wrong.err).toMatch(/holds a key for EdDSA, not ES256/);
    await writeFile(join(dir, 'broken.json'), '{"kty":"EC"');
    const broken = io();
    expect(
      await runCli(['proof', '--key', 'broken.json', '--method', 'GET', '--url', 'http://localhost/'], broken),
    ).toBe(1);
    expect(broken.err).toMatch(/DPoP key file .*broken\.json is not JSON; remove it to make a new key/);
    await writeFile(join(dir, 'public.json'), JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }));
    const pub = io();
    expect(await runCli(['proof', '--key', 'public.json', '--method', 'GET', '--url', 'http://localhost/'], pub)).toBe(
      1,
    );
    expect(pub.err).toMatch(/does not hold a usable private key/);
  });
});
