// Proves the published build of @tollgate/koa: the ESM and CJS entries load (with the built core),
// answer a request and let the process exit; the declarations type-check in a consumer under
// nodenext (ESM, CJS) and node10, including the `ctx.state.auth` augmentation.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from '../support/built-package.js';

const own = packageDir('koa');
let project: Awaited<ReturnType<typeof scratchProject>>;

beforeAll(async () => {
  await Promise.all([ensureBuilt('core'), ensureBuilt('koa')]);
  project = await scratchProject(
    {
      '@tollgate/koa': own,
      koa: join(own, 'node_modules', 'koa'),
      '@types/koa': join(own, 'node_modules', '@types', 'koa'),
      '@types/node': join(own, 'node_modules', '@types', 'node'),
    },
    'module',
  );
}, 300_000);
afterAll(() => project?.dispose());

// A JWKS URI nobody serves: the requests below are refused before any key is needed.
const smoke = (load: string) => `
${load}
const app = new Koa();
const auth = verify({ jwksUri: 'http://127.0.0.1:9/jwks', audience: 'orders-api', algorithms: ['RS256'] });
app.use(auth);
app.use(requireScopes('orders:read'));
const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/orders';
  const missing = await fetch(url);
  const malformed = await fetch(url, { headers: { authorization: 'Bearer a b' } });
  console.log(JSON.stringify({
    missing: [missing.status, missing.headers.get('www-authenticate'), await missing.json()],
    malformed: [malformed.status, (await malformed.json()).code],
    named: auth.name,
  }));
  server.close();
  server.closeAllConnections();
  await auth.verifier.close();
});
`;

const EXPECTED = {
  missing: [401, 'Bearer realm="api"', { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' }],
  malformed: [400, 'ERR_TOKEN_REQUEST_INVALID'],
  named: 'tollgate',
};

describe('built @tollgate/koa', () => {
  it('works from the ESM entry', async () => {
    const out = await runScript(project.dir, 'smoke.mjs', smoke("import Koa from 'koa';\nimport { verify, requireScopes } from '@tollgate/koa';"));
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('works from the CJS entry', async () => {
    const out = await runScript(project.dir, 'smoke.cjs', smoke("const Koa = require('koa');\nconst { verify, requireScopes } = require('@tollgate/koa');"));
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
    const consumer = `
import Koa, { type ParameterizedContext } from 'koa';
import { verify, requireScopes, requireClaims, toMiddleware, type JwtClaims, type HttpTollgateError, type TollgateState, type VerifyOptions } from '@tollgate/koa';
interface OrdersClaims extends JwtClaims { tenant_id: string }
const app = new Koa();
const auth = verify(undefined, { credentialsOptional: true, realm: 'orders' } satisfies VerifyOptions);
app.use(auth);
app.use(requireScopes('orders:read'));
app.use(requireClaims<OrdersClaims>((c) => c.tenant_id === 't1'));
app.use(toMiddleware((a) => void a));
app.use((ctx) => {
  const sub: string | undefined = ctx.state.auth?.claims.sub;
  ctx.body = { sub };
});
export const typed = (ctx: ParameterizedContext<TollgateState<OrdersClaims>>): string | undefined => ctx.state.auth?.claims.tenant_id;
export const fields = (e: HttpTollgateError): [number, Record<string, string>] => [e.statusCode, e.headers];
export const ready: Promise<void> = auth.verifier.ready();
// @ts-expect-error: passErrors is a boolean
verify(undefined, { passErrors: 'yes' });
`;
    // Each @ts-expect-error also proves the types resolved: were they \`any\`, it would be unused.
    await Promise.all([
      typecheck(project.dir, 'consumer.mts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.cts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
      typecheck(project.dir, 'consumer.ts', consumer, { module: 'commonjs', moduleResolution: 'node10' }),
    ]);
  }, 120_000);
});
