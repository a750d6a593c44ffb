// Proves the published build of @tollgate/express: the ESM and CJS entries load (with the built
// core), answer a request and let the process exit; the declarations type-check in a consumer
// under nodenext (ESM, CJS) and node10, including the `req.auth` augmentation.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir, runScript, scratchProject, typecheck } from '../support/built-package.js';

const own = packageDir('express');
let project: Awaited<ReturnType<typeof scratchProject>>;

beforeAll(async () => {
  await Promise.all([ensureBuilt('core'), ensureBuilt('express')]);
  project = await scratchProject(
    {
      '@tollgate/express': own,
      express: join(own, 'node_modules', 'express'),
      '@types/express': join(own, 'node_modules', '@types', 'express'),
      '@types/node': join(own, 'node_modules', '@types', 'node'),
    },
    'module',
  );
}, 300_000);
afterAll(() => project?.dispose());

// A JWKS URI nobody serves: the requests below are refused before any key is needed.
const smoke = (load: string) => `
${load}
const app = express();
const auth = verify({ jwksUri: 'http://127.0.0.1:9/jwks', audience: 'orders-api', algorithms: ['RS256'] });
app.use(auth);
app.get('/orders', requireScopes('orders:read'), (req, res) => res.send('ok'));
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

describe('built @tollgate/express', () => {
  it('works from the ESM entry', async () => {
    const out = await runScript(project.dir, 'smoke.mjs', smoke("import express from 'express';\nimport { verify, requireScopes } from '@tollgate/express';"));
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('works from the CJS entry', async () => {
    const out = await runScript(project.dir, 'smoke.cjs', smoke("const express = require('express');\nconst { verify, requireScopes } = require('@tollgate/express');"));
    expect(JSON.parse(out)).toEqual(EXPECTED);
  });

  it('type-checks a consumer under nodenext (ESM and CJS) and node10', async () => {
    const consumer = `
import express from 'express';
import { verify, requireScopes, requireClaims, getAuth, toMiddleware, type JwtClaims, type HttpTollgateError, type VerifyOptions } from '@tollgate/express';
interface OrdersClaims extends JwtClaims { tenant_id: string }
const app = express();
const auth = verify(undefined, { credentialsOptional: true, realm: 'orders' } satisfies VerifyOptions);
app.use(auth);
app.get('/orders', requireScopes('orders:read'), requireClaims<OrdersClaims>((c) => c.tenant_id === 't1'), (req, res) => {
  const sub: string | undefined = req.auth?.claims.sub;
  const tenant: string | undefined = getAuth<OrdersClaims>(req)?.claims.tenant_id;
  res.json({ sub, tenant });
});
app.use(toMiddleware((a) => void a));
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
