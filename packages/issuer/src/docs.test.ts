// Keeps the README and EXAMPLES honest about the public surface: a user who copies an import or an
// option from the docs must get something the package exports and accepts, and every export and
// option must be findable in the README.
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { KNOWN_OPTIONS } from './options.js';
import { CLIENT_FIELDS, SPEC_FIELDS } from './tenant-file.js';

const read = (file: string) => readFile(new URL(`../${file}`, import.meta.url), 'utf8');

describe('package docs', () => {
  it('import only names the package exports, and only from its root', async () => {
    const exported = new Set(Object.keys(api));
    const wrong: string[] = [];
    for (const file of ['README.md', 'EXAMPLES.md']) {
      const text = await read(file);
      for (const match of text.matchAll(/import \{([^}]+)\} from '(@tollgate\/issuer[^']*)'/g)) {
        if (match[2] !== '@tollgate/issuer') wrong.push(`${file} imports from ${match[2]}`);
        for (const name of match[1]!.split(',').map((n) => n.trim().replace(/^type /, ''))) {
          if (name && name[0] === name[0]!.toLowerCase() && !exported.has(name)) wrong.push(`${file} imports ${name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('mention every runtime export in the README', async () => {
    const readme = await read('README.md');
    expect(Object.keys(api).filter((name) => !readme.includes(name))).toEqual([]);
  });

  it('give every issuer option, tenant field and client field a table row, and show every tenants-file field', async () => {
    const readme = await read('README.md');
    const section = (heading: string) => {
      const start = readme.indexOf(`\n${heading}\n`);
      expect(start, heading).toBeGreaterThan(0);
      const end = readme.indexOf('\n#', start + heading.length + 2);
      return readme.slice(start, end < 0 ? undefined : end);
    };
    const rows = (text: string) =>
      new Set([...text.matchAll(/^\| `([A-Za-z0-9]+)`(?: \/ `([A-Za-z0-9]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]));
    const options = rows(section('## Options'));
    const tenantRows = rows(section('### `TenantConfig`'));
    const clientRows = rows(section('### `ClientConfig`'));
    const fileExample = section('## Tenants and the tenants file');
    // Each list names what the README lacks, so a failure says which row or field to add.
    expect({
      options: [...KNOWN_OPTIONS].filter((option) => !options.has(option)),
      tenantFields: ['name', ...Object.values(SPEC_FIELDS)].filter((field) => !tenantRows.has(field)),
      clientFields: Object.values(CLIENT_FIELDS).filter((field) => !clientRows.has(field)),
      fileFields: [...Object.keys(SPEC_FIELDS), ...Object.keys(CLIENT_FIELDS)].filter(
        (field) => !fileExample.includes(`${field}:`),
      ),
    }).toEqual({ options: [], tenantFields: [], clientFields: [], fileFields: [] });
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
