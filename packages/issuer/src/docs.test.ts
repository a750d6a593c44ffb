// Keeps the README and EXAMPLES honest about the public surface (see STYLE.md guideline 21).
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { KNOWN_OPTIONS } from './options.js';
import { CLIENT_FIELDS, SPEC_FIELDS } from './tenant-file.js';

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

  it('give every issuer option, tenant field and client field a table row, and show every tenants-file field', async () => {
    const readme = await read('README.md');
    const section = (heading: string) => {
      const start = readme.indexOf(`\n${heading}\n`);
      expect(start, heading).toBeGreaterThan(0);
      const end = readme.indexOf('\n#', start + heading.length + 2);
      return readme.slice(start, end < 0 ? undefined : end);
    };
    const rows = (text: string) => new Set([...text.matchAll(/^\| `([A-Za-z0-9]+)`(?: \/ `([A-Za-z0-9]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]));
    const options = rows(section('## Options'));
    for (const option of KNOWN_OPTIONS) expect(options.has(option), `options table: ${option}`).toBe(true);
    const tenantRows = rows(section('### `TenantConfig`'));
    for (const field of ['name', ...Object.values(SPEC_FIELDS)]) expect(tenantRows.has(field), `TenantConfig table: ${field}`).toBe(true);
    const clientRows = rows(section('### `ClientConfig`'));
    for (const field of Object.values(CLIENT_FIELDS)) expect(clientRows.has(field), `ClientConfig table: ${field}`).toBe(true);
    const fileExample = section('## Tenants and the tenants file');
    for (const field of [...Object.keys(SPEC_FIELDS), ...Object.keys(CLIENT_FIELDS)]) expect(fileExample, `tenants file example: ${field}`).toContain(`${field}:`);
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
