import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = (name: string) => fileURLToPath(new URL(`../packages/${name}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources, so no build is needed before `pnpm test`.
// Tests that prove the published ESM/CJS builds spawn Node on `dist/` themselves.
export default defineConfig({
  root,
  resolve: {
    alias: {
      '@tollgate/core': pkg('core'),
      '@tollgate/issuer': pkg('issuer'),
      '@tollgate/express': pkg('express'),
      '@tollgate/koa': pkg('koa'),
      '@tollgate/nestjs': pkg('nestjs'),
      '@tollgate/redis': pkg('redis'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/reliability/**', 'test/bench/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    unstubEnvs: true,
  },
});
