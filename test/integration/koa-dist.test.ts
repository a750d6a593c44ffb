// Proves the published build of @tollgate/koa (see ../support/adapter-dist.ts), including the
// `ctx.state.auth` typing in a type-checked consumer.
import { describeBuiltAdapter } from '../support/adapter-dist.js';

describeBuiltAdapter({
  name: 'koa',
  esm: "import Koa from 'koa';\nimport { verify, requireScopes } from '@tollgate/koa';",
  cjs: "const Koa = require('koa');\nconst { verify, requireScopes } = require('@tollgate/koa');",
  app: `const app = new Koa();
app.use(auth);
app.use(requireScopes('orders:read'));`,
  consumer: `
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
`,
});
