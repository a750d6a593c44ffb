// examples/mcp-server with the MCP SDK's own client, against the real issuer: the client meets a
// 401, follows resource_metadata to the RFC 9728 document, reads the issuer's RFC 8414 metadata,
// gets a token for the resource with client credentials (RFC 8707 resource=), and calls the tool.
// The servers run in this process, so each can listen before its resource URL (which contains the
// port) is handed to the issuer; the README's `pnpm start` and `pnpm client` run as child processes.
import { execFile, spawn } from 'node:child_process';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/built-package.js';
import { startIssuer, withTimeout, type TestIssuer } from '../support/issuer.js';

const dir = fileURLToPath(new URL('../../examples/mcp-server/', import.meta.url));
const run = promisify(execFile);

type App = RequestListener & { verifier: { close(): Promise<void> } };
interface Example {
  createMcpApp(options: { resource: string; issuer: string }): App;
  createMcpAppWithSdkAuth(options: { resource: string; issuer: string }): App;
  callWhoami(options: {
    url: string;
    issuer: string;
    clientId: string;
    clientSecret: string;
    fetch?: typeof fetch;
  }): Promise<Record<string, unknown>>;
}
// Imported by path: the example is plain JavaScript, and its SDK-typed req.auth must stay out of this program.
const load = async (file: string): Promise<Partial<Example>> =>
  (await import(join(dir, 'src', file))) as Partial<Example>;

const CLIENT = { clientId: 'mcp-agent', clientSecret: 'mcp-agent-secret' };
const OTHER = 'https://billing.example/mcp';
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** A server listening on 127.0.0.1:0 before it has an app: its URL decides the resource. */
async function listening(): Promise<{ server: Server; url: string; mcp: string; use(app: App): void }> {
  const server = createServer();
  await withTimeout(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)), 10_000, 'server start');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, mcp: `${url}/mcp`, use: (app) => void server.on('request', app) };
}

/** What the SDK's client sent and got, in order: method, URL, status, and the token request's form. */
function recordingFetch(
  log: { method: string; url: string; status: number; form?: Record<string, string> }[],
): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const body = init?.body;
    const form =
      body instanceof URLSearchParams
        ? Object.fromEntries(body)
        : typeof body === 'string' && body.startsWith('grant_type=')
          ? Object.fromEntries(new URLSearchParams(body))
          : undefined;
    log.push({ method: init?.method ?? 'GET', url, status: response.status, ...(form === undefined ? {} : { form }) });
    return response;
  };
}

let idp: TestIssuer;
let example: Example;
const recommended = { resource: '', url: '' };
const sdkAuth = { resource: '', url: '' };
const closing: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  example = {
    ...(await load('app.mjs')),
    ...(await load('sdk-auth/app.mjs')),
    ...(await load('client.mjs')),
  } as Example;
  const [a, b] = [await listening(), await listening()];
  closing.push(
    () => new Promise((resolve) => a.server.close(resolve)),
    () => new Promise((resolve) => b.server.close(resolve)),
  );
  Object.assign(recommended, { resource: a.mcp, url: a.url });
  Object.assign(sdkAuth, { resource: b.mcp, url: b.url });
  idp = await startIssuer({
    defaultTenant: {
      clients: [
        { id: CLIENT.clientId, secret: CLIENT.clientSecret, scopes: ['mcp:tools'], resources: [a.mcp, b.mcp, OTHER] },
      ],
    },
  });
  closing.push(() => idp.close());
  const appA = example.createMcpApp({ resource: a.mcp, issuer: idp.issuerUrl });
  const appB = example.createMcpAppWithSdkAuth({ resource: b.mcp, issuer: idp.issuerUrl });
  closing.push(
    () => appA.verifier.close(),
    () => appB.verifier.close(),
  );
  a.use(appA);
  b.use(appB);
}, 60_000);

afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

/** A token from the issuer's token endpoint, as any client would get one. */
async function tokenFor(resource: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource });
  const res = await fetch(idp.issuer.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}` },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const rawMcp = (url: string, token: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(INITIALIZE),
  });

describe('examples/mcp-server: tollgate in front of the transport (recommended)', () => {
  it("the SDK's client discovers everything from the 401, gets a token for the resource, and calls the tool", async () => {
    const log: Parameters<typeof recordingFetch>[0] = [];
    const caller = await example.callWhoami({
      url: recommended.resource,
      issuer: idp.issuerUrl,
      ...CLIENT,
      fetch: recordingFetch(log),
    });
    expect(caller).toEqual({
      sub: CLIENT.clientId,
      clientId: CLIENT.clientId,
      scopes: ['mcp:tools'],
      resource: recommended.resource,
      issuer: idp.issuerUrl,
    });

    const metadataUrl = `${recommended.url}/.well-known/oauth-protected-resource/mcp`;
    const [unauthorized, metadata, authorizationServer, token, retried] = log;
    expect(unauthorized).toMatchObject({ method: 'POST', url: recommended.resource, status: 401 });
    expect(metadata).toEqual({ method: 'GET', url: metadataUrl, status: 200 });
    expect(authorizationServer).toEqual({
      method: 'GET',
      url: `${idp.issuer.baseUrl}/.well-known/oauth-authorization-server`,
      status: 200,
    });
    expect(token).toMatchObject({
      method: 'POST',
      url: idp.issuer.tokenEndpoint,
      status: 200,
      form: { grant_type: 'client_credentials', resource: recommended.resource, scope: 'mcp:tools' },
    });
    expect(retried).toMatchObject({ method: 'POST', url: recommended.resource, status: 200 });
  });

  it('names the metadata in the 401 the client starts from, and serves it', async () => {
    const res = await fetch(recommended.resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INITIALIZE),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="api", resource_metadata="${recommended.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const document: unknown = await (await fetch(`${recommended.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(document).toEqual({
      resource: recommended.resource,
      authorization_servers: [idp.issuerUrl],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      resource_name: 'tollgate example MCP server',
    });
  });

  it('refuses a token minted for another resource, raw and through the SDK client', async () => {
    const other = await tokenFor(OTHER);
    const res = await rawMcp(recommended.resource, other);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token "aud" does not name this service.',
      code: 'ERR_CLAIM_MISMATCH',
    });
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${recommended.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const client = new Client({ name: 'stolen-token', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(recommended.resource), {
      requestInit: { headers: { authorization: `Bearer ${other}` } },
    });
    await expect(client.connect(transport)).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('"error":"invalid_token"'),
    });
    await client.close();
  });
});

describe("examples/mcp-server: the SDK's requireBearerAuth with mcpTokenVerifier", () => {
  it("the SDK's client gets through the same way", async () => {
    const log: Parameters<typeof recordingFetch>[0] = [];
    const caller = await example.callWhoami({
      url: sdkAuth.resource,
      issuer: idp.issuerUrl,
      ...CLIENT,
      fetch: recordingFetch(log),
    });
    expect(caller).toEqual({
      sub: CLIENT.clientId,
      clientId: CLIENT.clientId,
      scopes: ['mcp:tools'],
      resource: sdkAuth.resource,
      issuer: idp.issuerUrl,
    });
    expect(log.slice(0, 5).map((entry) => entry.status)).toEqual([401, 200, 200, 200, 200]);
    expect(log[3]?.form).toMatchObject({ grant_type: 'client_credentials', resource: sdkAuth.resource });
  });

  it('refuses a token for another resource with 401 invalid_token, not 500', async () => {
    const res = await rawMcp(sdkAuth.resource, await tokenFor(OTHER));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'Token "aud" does not name this service.',
    });
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="Token "aud" does not name this service.", resource_metadata="${sdkAuth.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });
});

describe('examples/mcp-server as its README runs it', () => {
  beforeAll(async () => {
    await Promise.all(['core', 'express'].map((name) => ensureBuilt(name)));
  }, 300_000);

  it('pnpm client: calls the tool and prints the caller', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      MCP_URL: recommended.resource,
      TOLLGATE_ISSUER: idp.issuerUrl,
      CLIENT_ID: CLIENT.clientId,
      CLIENT_SECRET: CLIENT.clientSecret,
    };
    const { stdout } = await run(process.execPath, ['src/client.mjs'], { cwd: dir, env, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      sub: CLIENT.clientId,
      clientId: CLIENT.clientId,
      scopes: ['mcp:tools'],
      resource: recommended.resource,
      issuer: idp.issuerUrl,
    });
  }, 40_000);

  it('pnpm start: listens, serves the metadata for its resource, and answers 401 naming it', async () => {
    const child = spawn(process.execPath, ['src/server.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: '0', TOLLGATE_ISSUER: idp.issuerUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await withTimeout(
        new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /listening on (http:\/\/\S+)/.exec(output);
            if (match?.[1]) resolve(match[1]);
          });
          child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
          child.once('exit', (code) => reject(new Error(`mcp-server exited with ${code}:\n${output}`)));
        }),
        20_000,
        'mcp-server start',
      );
      const metadata = (await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata).toMatchObject({ resource: `${url}/mcp`, authorization_servers: [idp.issuerUrl] });
      const res = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(INITIALIZE),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="api", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`,
      );
    } finally {
      child.kill('SIGTERM');
    }
  }, 40_000);

  it('pnpm start without TOLLGATE_ISSUER refuses to start and says what to set', async () => {
    const error = await run(process.execPath, ['src/server.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 20_000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 1, stderr: expect.stringContaining('TOLLGATE_ISSUER must be set') });
  }, 30_000);
});
