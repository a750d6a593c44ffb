// Proves the published build of @tollgate/express (see ../support/adapter-dist.ts), including the
// `req.auth` augmentation in a type-checked consumer.
import { describeBuiltAdapter } from '../support/adapter-dist.js';

describeBuiltAdapter({
  name: 'express',
  esm: "import express from 'express';\nimport { verify, requireScopes } from '@tollgate/express';",
  cjs: "const express = require('express');\nconst { verify, requireScopes } = require('@tollgate/express');",
  app: `const app = express();
app.use(auth);
app.get('/orders', requireScopes('orders:read'), (req, res) => res.send('ok'));`,
  consumer: `
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
`,
});
