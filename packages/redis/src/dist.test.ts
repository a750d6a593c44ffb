// Proves the published build, not the sources: the `tollgate-redis` bin runs from dist/ against a
// real Redis and exits. (That both library entries load with the same names is proven with the
// other packages in test/packaging.) Builds first if dist/ is stale.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../../../test/support/built-package.js';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/tollgate-redis.mjs', import.meta.url));

describeRedis('tollgate-redis bin (dist)', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    await Promise.all([ensureBuilt('core'), ensureBuilt('redis')]);
    redis = await startRedisServer();
  }, 240_000);
  afterAll(() => redis?.close());

  it('revokes and lists through the built CLI, then exits', async () => {
    const env = { ...process.env, TOLLGATE_REDIS_URL: redis.url };
    const revoke = await run(process.execPath, [bin, 'revoke', '--sub', 'alice', '--json'], { env, timeout: 15_000 });
    expect(JSON.parse(revoke.stdout)).toMatchObject({ kind: 'sub', sub: 'alice' });
    const list = await run(process.execPath, [bin, 'list'], { env, timeout: 15_000 });
    expect(list.stdout).toMatch(/^KIND +VALUE +ISSUER +ISSUED BEFORE +EXPIRES\nsub +"alice" +\* +\S+ +\S+\n$/);
    const usage = await run(process.execPath, [bin, 'revoke'], { env, timeout: 15_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect([(usage as { code: number }).code, (usage as { stderr: string }).stderr]).toEqual([
      2,
      expect.stringContaining('name exactly one of --jti, --sub or --client-id'),
    ]);
  });
});
