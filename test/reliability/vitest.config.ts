// The reliability suite's own Vitest config: the root config's aliases (tests run against the
// TypeScript sources) with the root include/exclude replaced, since the root config excludes
// this directory from `pnpm test` on purpose. Run with `pnpm test:reliability`.
import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../vitest.config.js';

// mergeConfig concatenates arrays, so the root's include/exclude (which excludes
// test/reliability/**) are dropped first rather than merged.
const { include: _include, exclude: _exclude, ...rootTest } = root.test ?? {};

export default mergeConfig(
  { ...root, test: rootTest },
  defineConfig({
    test: {
      include: ['test/reliability/**/*.test.ts'],
      exclude: ['**/node_modules/**'],
      // One file at a time: the load scenarios share one process (RSS, event-loop and
      // unhandled-rejection measurements, one table at the end), and the JWKS simulation, a
      // file of its own, must not compete with them for the two cores.
      fileParallelism: false,
      // Each scenario bounds itself (well under a minute); these are backstops, not budgets.
      testTimeout: 60_000,
      hookTimeout: 30_000,
      // --expose-gc: RSS and heap are sampled after a full collection, so growth means retention.
      execArgv: ['--expose-gc'],
      // The suite's own summary is the table; per-test lines are enough.
      reporters: ['verbose'],
    },
  }),
);
