// Proves the published build of @tollgate/fetch and its ./hono entry: ESM and CJS load and answer
// (authenticateRequest on a Request made by hand, the Hono middleware through app.request), the
// process exits, and the declarations (c.get('auth') included) type-check under nodenext and node10.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from '../support/built-package.js';

const own = packageDir('fetch');

// A JWKS URI nobody serves: the requests below are refused before any key is needed.
const smoke = (load: string) => `
${load}
const source = { jwksUri: 'http://127.0.0.1:9/jwks', audience: 'orders-api', algorithms: ['RS256'] };
(async () => {
  const tollgate = createAuthenticator(source);
  const refused = await tollgate.authenticateRequest(new Request('http://localhost/orders'));
  const app = new Hono();
  const auth = verify(source);
  app.use(auth);
  app.get('/orders', requireScopes('orders:read'), (c) => c.text('ok'));
  const malformed = await app.request('/orders', { headers: { authorization: 'Bearer a b' } });
  console.log(JSON.stringify({
    refused: [refused instanceof Response, refused.status, refused.headers.get('www-authenticate'), await refused.json()],
    malformed: [malformed.status, (await malformed.json()).code],
  }));
  await Promise.all([tollgate.verifier.close(), auth.verifier.close()]);
})();
`;

const EXPECTED = {
  refused: [
    true,
    401,
    'Bearer realm="api"',
    { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' },
  ],
  malformed: [400, 'ERR_TOKEN_REQUEST_INVALID'],
};

// Each @ts-expect-error also proves the types resolved: were they `any`, it would be unused.
const CONSUMER = `
import { createAuthenticator, requireScopes as scopes, type AuthenticatorOptions, type HttpTollgateError, type JwtClaims, type RequestAuth } from '@tollgate/fetch';
import { verify, requireScopes, requireAuthLevel, getAuth, resourceMetadata, type VerifyOptions } from '@tollgate/fetch/hono';
import { Hono } from 'hono';
interface OrdersClaims extends JwtClaims { tenant_id: string }
const tollgate = createAuthenticator(undefined, { credentialsOptional: true } satisfies AuthenticatorOptions);
export async function GET(request: Request): Promise<Response> {
  const auth = await tollgate.authenticateRequest(request, { checks: [scopes('orders:read')], dpop: 'allowed' });
  if (auth instanceof Response) return auth;
  const found: RequestAuth | undefined = auth;
  return Response.json({ sub: found?.claims.sub });
}
const app = new Hono();
app.use('/api/*', verify(undefined, { realm: 'orders' } satisfies VerifyOptions));
app.get('/api/orders', requireScopes('orders:read'), requireAuthLevel({ acr: 'mfa' }), (c) => {
  const sub: string | undefined = c.get('auth')?.claims.sub;
  const tenant: string | undefined = getAuth<OrdersClaims>(c)?.claims.tenant_id;
  return c.json({ sub, tenant });
});
export const metadata = (auth: ReturnType<typeof verify>) => resourceMetadata(auth);
export const metadataAnswer = (request: Request): Response | undefined => tollgate.metadataResponse(request);
export const fields = (e: HttpTollgateError): [number, Record<string, string>] => [e.statusCode, e.headers];
// @ts-expect-error: passErrors is a boolean
createAuthenticator(undefined, { passErrors: 'yes' });
// @ts-expect-error: checks are AuthChecks
void tollgate.authenticateRequest(new Request('http://a/'), { checks: ['orders:read'] });
`;

describe('built @tollgate/fetch', () => {
  let project: Awaited<ReturnType<typeof scratchProject>>;

  beforeAll(async () => {
    await Promise.all([ensureBuilt('core'), ensureBuilt('fetch')]);
    project = await scratchProject(
      {
        '@tollgate/fetch': own,
        hono: join(own, 'node_modules', 'hono'),
        '@types/node': join(own, 'node_modules', '@types', 'node'),
      },
      'module',
    );
  }, 300_000);
  afterAll(() => project?.dispose());

  it('works from the ESM entries', async () => {
    const out = await runScript(
      project.dir,
      'smoke.mjs',
      smoke(
        "import { createAuthenticator } from '@tollgate/fetch';\nimport { verify, requireScopes } from '@tollgate/fetch/hono';\nimport { Hono } from 'hono';",
      ),
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('works from the CJS entries', async () => {
    const out = await runScript(
      project.dir,
      'smoke.cjs',
      smoke(
        "const { createAuthenticator } = require('@tollgate/fetch');\nconst { verify, requireScopes } = require('@tollgate/fetch/hono');\nconst { Hono } = require('hono');",
      ),
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
    await Promise.all([
      typecheck(project.dir, 'consumer.mts', CONSUMER, {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'DOM'],
      }),
      typecheck(project.dir, 'consumer.cts', CONSUMER, {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'DOM'],
      }),
      // Without the DOM lib: @types/node's global Request and Response are enough for a Node service.
      typecheck(project.dir, 'consumer.ts', CONSUMER, { module: 'commonjs', moduleResolution: 'node10' }),
    ]);
  }, 120_000);
});
