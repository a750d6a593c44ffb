// Lint configuration for the whole workspace (`pnpm lint` from the root; editors find it here).
//
// TypeScript sources, tests and the type-checked JavaScript examples are linted with type
// information (`recommendedTypeChecked`, through each file's nearest tsconfig.json). The rules that
// matter most here are no-floating-promises and no-misused-promises: Express 4 drops a rejected
// promise returned by a middleware, so a promise nobody awaits is a request that never answers.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Files that belong to a tsconfig.json project and can be linted with type information.
const typed = ['packages/*/src/**/*.ts', 'test/**/*.ts', 'examples/*/src/**/*.{ts,mjs}'];

export default defineConfig(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', 'test/bench/results/**', 'docs/api/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: typed,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Tests: vitest's asymmetric matchers (expect.any, expect.stringContaining, ...) are typed `any`,
    // so each one inside toEqual/toMatchObject counts as an unsafe assignment. The other no-unsafe-*
    // rules still catch an untyped value (parsed JSON, say) once it is used.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Fastify route handlers are async by convention: the returned value is the reply, awaited or not.
    files: ['test/integration/fastify.test.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.cts'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.commonjs } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
