import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/hono.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20.19',
  dts: true,
  fixedExtension: true,
  clean: true,
  // No source maps: the bundle is unminified and readable as shipped, and with maps on tsdown
  // ends every .d.mts/.d.cts with a sourceMappingURL to a declaration map it does not write.
  sourcemap: false,
});
