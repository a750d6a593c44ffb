import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = (name: string, entry = 'index') =>
  fileURLToPath(new URL(`../packages/${name}/src/${entry}.ts`, import.meta.url));

// Tests run against the TypeScript sources, so no build is needed before `pnpm test`.
// Tests that prove the published ESM/CJS builds spawn Node on `dist/` themselves.
export default defineConfig({
  root,
  resolve: {
    // Exact matches: a string alias would also catch subpaths ('@tollgate/core' inside '@tollgate/core/adapter').
    alias: [
      { find: /^@tollgate\/core$/, replacement: pkg('core') },
      { find: /^@tollgate\/core\/adapter$/, replacement: pkg('core', 'adapter') },
      { find: /^@tollgate\/core\/mcp$/, replacement: pkg('core', 'mcp') },
      { find: /^@tollgate\/issuer$/, replacement: pkg('issuer') },
      { find: /^@tollgate\/express$/, replacement: pkg('express') },
      { find: /^@tollgate\/koa$/, replacement: pkg('koa') },
      { find: /^@tollgate\/nestjs$/, replacement: pkg('nestjs') },
      { find: /^@tollgate\/fastify$/, replacement: pkg('fastify') },
      { find: /^@tollgate\/fetch$/, replacement: pkg('fetch') },
      { find: /^@tollgate\/fetch\/hono$/, replacement: pkg('fetch', 'hono') },
      { find: /^@tollgate\/redis$/, replacement: pkg('redis') },
    ],
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
