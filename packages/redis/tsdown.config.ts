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
    sourcemap: true,
  },
  {
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20.19',
    dts: false,
    fixedExtension: true,
    clean: false,
    sourcemap: true,
  },
]);
