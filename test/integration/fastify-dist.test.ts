// Proves the published build of @tollgate/fastify: the ESM and CJS entries register on a real
// Fastify, answer a request and let the process exit; the declarations (request.auth,
// config.tollgate, app.tollgate) type-check in a consumer under nodenext and node10, against the
// types of Fastify 5 and of Fastify 4.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from '../support/built-package.js';

const own = packageDir('fastify');
const testModules = join(packageDir('..'), 'test', 'node_modules');

// A JWKS URI nobody serves: the requests below are refused before any key is needed.
const smoke = (load: string) => `
${load}
const app = fastify();
app.register(tollgate, { verifier: { jwksUri: 'http://127.0.0.1:9/jwks', audience: 'orders-api', algorithms: ['RS256'] } });
app.after(() => {
  app.get('/orders', { preHandler: requireScopes('orders:read') }, async () => 'ok');
  app.get('/health', { config: { tollgate: { public: true } } }, async () => 'ok');
});
app.listen({ port: 0, host: '127.0.0.1' }).then(async (base) => {
  const missing = await fetch(base + '/orders');
  const malformed = await fetch(base + '/orders', { headers: { authorization: 'Bearer a b' } });
  const health = await fetch(base + '/health');
  console.log(JSON.stringify({
    missing: [missing.status, missing.headers.get('www-authenticate'), await missing.json()],
    malformed: [malformed.status, (await malformed.json()).code],
    health: [health.status, await health.text()],
    verifier: typeof app.tollgate.verifier.stats,
  }));
  await app.close();
});
`;

const EXPECTED = {
  missing: [
    401,
    'Bearer realm="api"',
    { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' },
  ],
  malformed: [400, 'ERR_TOKEN_REQUEST_INVALID'],
  health: [200, 'ok'],
  verifier: 'function',
};

// Each @ts-expect-error also proves the types resolved: were they `any`, it would be unused.
const CONSUMER = `
import fastify, { type FastifyRequest } from 'fastify';
import { tollgate, requireScopes, requireClaims, requireAuthLevel, getAuth, toPreHandler, type JwtClaims, type HttpTollgateError, type TollgateOptions, type Verifier } from '@tollgate/fastify';
interface OrdersClaims extends JwtClaims { tenant_id: string }
const app = fastify();
const options: TollgateOptions = { credentialsOptional: true, realm: 'orders', onError: (error, _request, reply) => void reply.code(error.status).send(error.code) };
void app.register(tollgate, options);
app.get('/orders/:id', { preHandler: [requireScopes('orders:read'), requireClaims<OrdersClaims>((c) => c.tenant_id === 't1'), requireAuthLevel({ acr: 'mfa' })] }, async (request) => {
  const sub: string | undefined = request.auth?.claims.sub;
  const tenant: string | undefined = getAuth<OrdersClaims>(request)?.claims.tenant_id;
  return { sub, tenant };
});
app.get('/health', { config: { tollgate: { public: true } }, preHandler: toPreHandler((a) => void a) }, async () => 'ok');
export const verifier: Verifier = app.tollgate.verifier;
export const metadataPath: string | undefined = app.tollgate.metadata?.path;
export const fields = (e: HttpTollgateError): [number, Record<string, string>] => [e.statusCode, e.headers];
export const binding = (request: FastifyRequest): 'bearer' | 'dpop' | 'mtls' | undefined => request.auth?.binding;
// @ts-expect-error: passErrors is a boolean
void app.register(tollgate, { passErrors: 'yes' });
// @ts-expect-error: dpop is a mode
app.get('/pay', { config: { tollgate: { dpop: 'always' } } }, async () => 'ok');
`;

describe('built @tollgate/fastify', () => {
  let project: Awaited<ReturnType<typeof scratchProject>>;
  const links = (fastifyDir: string) => ({
    '@tollgate/fastify': own,
    '@tollgate/core': packageDir('core'),
    'fastify-plugin': join(own, 'node_modules', 'fastify-plugin'),
    fastify: fastifyDir,
    '@types/node': join(own, 'node_modules', '@types', 'node'),
  });

  beforeAll(async () => {
    await Promise.all([ensureBuilt('core'), ensureBuilt('fastify')]);
    project = await scratchProject(links(join(own, 'node_modules', 'fastify')), 'module');
  }, 300_000);
  afterAll(() => project?.dispose());

  it('works from the ESM entry', async () => {
    const out = await runScript(
      project.dir,
      'smoke.mjs',
      smoke("import fastify from 'fastify';\nimport { tollgate, requireScopes } from '@tollgate/fastify';"),
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('works from the CJS entry', async () => {
    const out = await runScript(
      project.dir,
      'smoke.cjs',
      smoke("const fastify = require('fastify');\nconst { tollgate, requireScopes } = require('@tollgate/fastify');"),
    );
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
    await Promise.all([
      typecheck(project.dir, 'consumer.mts', CONSUMER, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.cts', CONSUMER, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.ts', CONSUMER, { module: 'commonjs', moduleResolution: 'node10' }),
    ]);
  }, 120_000);

  it("type-checks the same consumer against Fastify 4's types", async () => {
    // The package as installed: package.json and dist only, without the workspace's node_modules
    // (which hold Fastify 5). With preserveSymlinks its declarations then see the consumer's Fastify 4.
    const installed = await mkdtemp(join(tmpdir(), 'tollgate-fastify-'));
    await Promise.all(['package.json', 'dist'].map((entry) => symlink(join(own, entry), join(installed, entry))));
    const v4 = await scratchProject(
      { ...links(join(testModules, 'fastify4')), '@tollgate/fastify': installed },
      'module',
    );
    try {
      await typecheck(v4.dir, 'consumer.mts', CONSUMER, {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        preserveSymlinks: true,
      });
    } finally {
      await Promise.all([v4.dispose(), rm(installed, { recursive: true, force: true })]);
    }
  }, 120_000);
});
