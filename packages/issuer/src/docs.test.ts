// Keeps the README and EXAMPLES honest about the public surface (see STYLE.md guideline 21).
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

const read = (file: string) => readFile(new URL(`../${file}`, import.meta.url), 'utf8');

describe('package docs', () => {
  it('import only names the package exports, and only from its root', async () => {
    const exported = new Set(Object.keys(api));
    for (const file of ['README.md', 'EXAMPLES.md']) {
      const text = await read(file);
      for (const match of text.matchAll(/import \{([^}]+)\} from '(@tollgate\/issuer[^']*)'/g)) {
        expect(match[2], `${file} imports a subpath`).toBe('@tollgate/issuer');
        for (const name of match[1]!.split(',').map((n) => n.trim().replace(/^type /, ''))) {
          if (name && name[0] === name[0]!.toLowerCase()) expect(exported.has(name), `${file} imports ${name}`).toBe(true);
        }
      }
    }
  });

  it('mention every runtime export in the README', async () => {
    const readme = await read('README.md');
    for (const name of Object.keys(api)) expect(readme, name).toContain(name);
  });

  it('list only files the package ships', async () => {
    const pkg = JSON.parse(await read('package.json')) as { files: string[]; exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(['.', './package.json']);
    // dist is built, not committed; every other entry (file or directory) must exist in the source tree.
    for (const file of pkg.files.filter((f) => f !== 'dist')) {
      await expect(stat(new URL(`../${file}`, import.meta.url)), file).resolves.toBeDefined();
    }
  });
});
