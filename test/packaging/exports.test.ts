/**
 * Proves the published builds: every package loads through `require` (real
 * CommonJS, which Jest-based Nest apps need) and through `import`, from
 * `dist/`, in a plain Node process, and both expose the same names.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const testDir = fileURLToPath(new URL('..', import.meta.url));
const packages = ['core', 'issuer', 'express', 'koa', 'nestjs', 'redis'] as const;

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: testDir, encoding: 'utf8', timeout: 30_000 });
}

beforeAll(() => {
  const missing = packages.filter((name) => !existsSync(`${root}/packages/${name}/dist/index.cjs`) || !existsSync(`${root}/packages/${name}/dist/index.mjs`));
  // CI builds before testing; a developer running tests first gets the build done here.
  if (missing.length > 0) execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: 'inherit', timeout: 240_000 });
}, 300_000);

describe.each(packages)('@tollgate/%s build', (name) => {
  it('loads with require() and import, exposing the same names', () => {
    const cjs = JSON.parse(node(['-e', `process.stdout.write(JSON.stringify(Object.keys(require('@tollgate/${name}')).sort()))`])) as string[];
    const esm = JSON.parse(
      node(['--input-type=module', '-e', `const m = await import('@tollgate/${name}'); process.stdout.write(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`]),
    ) as string[];
    expect(cjs.length).toBeGreaterThan(0);
    expect(esm).toEqual(cjs);
  });
});

describe('@tollgate/core build', () => {
  it('verifies a token through the CommonJS build (real work, not just loading)', () => {
    const script = `
      const { createVerifier, isTollgateError } = require('@tollgate/core');
      const crypto = require('node:crypto');
      const secret = 'x'.repeat(32);
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = b64({ alg: 'HS256' }) + '.' + b64({ aud: 'a', exp: Math.floor(Date.now() / 1000) + 60 });
      const token = input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
      const v = createVerifier({ audience: 'a', algorithms: ['HS256'], hs256: { secrets: [secret] } });
      v.verify(token).then(async (r) => {
        const bad = await v.verify(token + 'x').catch((e) => e);
        process.stdout.write(JSON.stringify([r.alg, isTollgateError(bad), bad.code]));
      });`;
    expect(JSON.parse(node(['-e', script]))).toEqual(['HS256', true, 'ERR_TOKEN_SIGNATURE_INVALID']);
  });

  it('recognises an error from the ESM copy in the CommonJS copy (dual package hazard)', () => {
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import('@tollgate/core');
      const cjs = createRequire(process.cwd() + '/')('@tollgate/core');
      const error = new esm.TokenError('ERR_TOKEN_MALFORMED', 'x');
      process.stdout.write(JSON.stringify([esm.TokenError === cjs.TokenError, error instanceof cjs.TollgateError, cjs.isTollgateError(error)]));`;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([false, false, true]);
  });
});
