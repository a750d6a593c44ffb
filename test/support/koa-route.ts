import type { Middleware } from 'koa';

/** Runs `stack` (composed like a router would) when the path matches; the test package has no router dependency. */
export function route(path: string, ...stack: Middleware[]): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== path) {
      await next();
      return;
    }
    const run = async (i: number): Promise<void> => {
      const middleware = stack[i];
      if (middleware) await middleware(ctx, () => run(i + 1));
    };
    await run(0);
  };
}
