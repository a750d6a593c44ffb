/**
 * Every published package carries the metadata a registry page and a changelog link need, its
 * own LICENSE and CHANGELOG, and the `check:package` script that CI runs (publint --strict and attw on what
 * `pnpm pack` ships). A new package under packages/ is checked without being listed here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const REPOSITORY = 'https://github.com/tollgate-js/tollgate';

interface PackageJson {
  name: string;
  private?: boolean;
  license?: string;
  author?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  publishConfig?: Record<string, string>;
  scripts?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootPackage = readJson<PackageJson & { author: string }>(join(root, 'package.json'));
const published = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => ({ dir: entry.name, pkg: readJson<PackageJson>(join(root, 'packages', entry.name, 'package.json')) }))
  .filter(({ pkg }) => pkg.private !== true);

describe.each(published)('packages/$dir', ({ dir, pkg }) => {
  it('has repository, homepage, bugs, keywords, author and license', () => {
    expect({
      repository: pkg.repository,
      homepage: pkg.homepage,
      bugs: pkg.bugs,
      author: pkg.author,
      license: pkg.license,
      hasKeywords: (pkg.keywords?.length ?? 0) > 0,
    }).toEqual({
      repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` },
      homepage: `${REPOSITORY}/tree/main/packages/${dir}#readme`,
      bugs: { url: `${REPOSITORY}/issues` },
      author: rootPackage.author,
      license: 'MIT',
      hasKeywords: true,
    });
  });

  it('ships its own LICENSE, the same as the repository one', () => {
    expect(pkg.files).toContain('LICENSE');
    expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    );
  });

  it('ships a CHANGELOG.md that changesets writes into', () => {
    expect(pkg.files).toContain('CHANGELOG.md');
    expect(readFileSync(join(root, 'packages', dir, 'CHANGELOG.md'), 'utf8')).toMatch(
      new RegExp(`^# ${pkg.name.replace('/', '\\/')}\n`),
    );
  });

  it('is published with public access (a scoped package is private by default)', () => {
    expect(pkg.publishConfig).toEqual({ access: 'public' });
  });

  it('has the check:package script CI runs after the build', () => {
    expect(pkg.scripts?.['check:package']).toBe('publint --strict --pack pnpm && attw --pack .');
  });
});
