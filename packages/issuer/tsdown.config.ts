import { defineConfig } from 'tsdown';

// Two builds into one dist/: the library (ESM + CJS with split declarations) and the
// `tollgate-issuer` bin (ESM only, with its shebang). tsdown runs the clean step once, before
// either build writes, so the library's `clean` does not delete dist/cli.mjs; the bin config
// never cleans, so building it alone cannot delete the library either.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    platform: 'node',
    target: 'node20.19',
    dts: true,
    fixedExtension: true,
    clean: true,
    // No source maps: the bundle is unminified and readable as shipped, and with maps on tsdown
    // ends every .d.mts/.d.cts with a sourceMappingURL to a declaration map it does not write.
    sourcemap: false,
  },
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20.19',
    dts: false,
    fixedExtension: true,
    clean: false,
    sourcemap: false, // as the library build above
  },
]);
