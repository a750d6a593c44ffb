// The published-build checks both HTTP adapters share: the ESM and CJS entries load (with the
// built core), answer a request and let the process exit; the declarations type-check in a
// consumer under nodenext (ESM, CJS) and node10. Each adapter's test file says only what differs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from './built-package.js';

export interface BuiltAdapter {
  /** Package folder and framework module name: `express` or `koa`. */
  readonly name: 'express' | 'koa';
  /** ESM and CJS lines that bind the framework and `verify`, `requireScopes` from the adapter. */
  readonly esm: string;
  readonly cjs: string;
  /** Creates `app` and mounts `auth` (already built) and `requireScopes('orders:read')` on GET /orders. */
  readonly app: string;
  /** The start of a TypeScript consumer that must type-check; it must define `auth` and import `verify` and `HttpTollgateError`. */
  readonly consumer: string;
}

// A JWKS URI nobody serves: the requests below are refused before any key is needed.
const smoke = (load: string, app: string) => `
${load}
const auth = verify({ jwksUri: 'http://127.0.0.1:9/jwks', audience: 'orders-api', algorithms: ['RS256'] });
${app}
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
  missing: [
    401,
    'Bearer realm="api"',
    { error: 'unauthorized', error_description: 'Authentication is required.', code: 'ERR_TOKEN_MISSING' },
  ],
  malformed: [400, 'ERR_TOKEN_REQUEST_INVALID'],
  named: 'tollgate',
};

// Each @ts-expect-error also proves the types resolved: were they `any`, it would be unused.
const CONSUMER_TAIL = `
export const fields = (e: HttpTollgateError): [number, Record<string, string>] => [e.statusCode, e.headers];
export const ready: Promise<void> = auth.verifier.ready();
// @ts-expect-error: passErrors is a boolean
verify(undefined, { passErrors: 'yes' });
`;

export function describeBuiltAdapter(adapter: BuiltAdapter): void {
  const own = packageDir(adapter.name);
  let project: Awaited<ReturnType<typeof scratchProject>>;

  beforeAll(async () => {
    await Promise.all([ensureBuilt('core'), ensureBuilt(adapter.name)]);
    project = await scratchProject(
      {
        [`@tollgate/${adapter.name}`]: own,
        [adapter.name]: join(own, 'node_modules', adapter.name),
        [`@types/${adapter.name}`]: join(own, 'node_modules', '@types', adapter.name),
        '@types/node': join(own, 'node_modules', '@types', 'node'),
      },
      'module',
    );
  }, 300_000);
  afterAll(() => project?.dispose());

  describe(`built @tollgate/${adapter.name}`, () => {
    it('works from the ESM entry', async () => {
      const out = await runScript(project.dir, 'smoke.mjs', smoke(adapter.esm, adapter.app));
      expect(JSON.parse(out)).toEqual(EXPECTED);
    });

    it('works from the CJS entry', async () => {
      const out = await runScript(project.dir, 'smoke.cjs', smoke(adapter.cjs, adapter.app));
      expect(JSON.parse(out)).toEqual(EXPECTED);
    });

    it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
      const consumer = adapter.consumer + CONSUMER_TAIL;
      await Promise.all([
        typecheck(project.dir, 'consumer.mts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
        typecheck(project.dir, 'consumer.cts', consumer, { module: 'nodenext', moduleResolution: 'nodenext' }),
        typecheck(project.dir, 'consumer.ts', consumer, { module: 'commonjs', moduleResolution: 'node10' }),
      ]);
    }, 120_000);
  });
}
