import { defineConfig } from 'tsdown';

// Two builds into one dist/: the library (ESM + CJS with split declarations) and the
// `tollgate-redis` bin (ESM only). The library build cleans dist/ once before either writes; the
// bin build never cleans, so building it alone cannot delete the library.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    platform: 'node',
    target: 'node20.19',
    dts: true,
    fixedExtension: true,
    clean: true,
    // No source maps, as in the other packages: with maps on tsdown ends every .d.mts/.d.cts with
    // a sourceMappingURL to a declaration map it does not write.
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
    sourcemap: false,
  },
]);
