import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeRedis, startRedisServer, type TestRedisServer } from '../../../test/support/redis-server.js';
import {
  LIST_FLAGS,
  LIST_HELP,
  MAIN_HELP,
  REVOKE_FLAGS,
  REVOKE_HELP,
  runCli,
  UNREVOKE_FLAGS,
  UNREVOKE_HELP,
  type CliIo,
} from './cli/run.js';
import { RedisRevocationMirror } from './revocation-mirror.js';
import { RedisRevocations } from './revocations.js';
import { closeClients, connectClient, eventually, type TestClient } from './test-support.js';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;

interface Captured extends CliIo {
  out: string;
  err: string;
}

function io(env: Record<string, string> = {}): Captured {
  const captured: Captured = {
    out: '',
    err: '',
    stdout: (text) => void (captured.out += text),
    stderr: (text) => void (captured.err += text),
    env,
    clock: () => NOW,
  };
  return captured;
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const captured = io(env);
  const status = await runCli(args, captured);
  return { status, out: captured.out, err: captured.err };
}

describe('tollgate-redis help and usage', () => {
  it('documents every flag of every command', async () => {
    for (const [command, flags, help] of [
      ['revoke', REVOKE_FLAGS, REVOKE_HELP],
      ['unrevoke', UNREVOKE_FLAGS, UNREVOKE_HELP],
      ['list', LIST_FLAGS, LIST_HELP],
    ] as const) {
      const run = await cli([command, '--help']);
      expect([run.status, run.out]).toEqual([0, help]);
      for (const flag of flags)
        expect(run.out, `${command} --${flag.name}`).toMatch(new RegExp(`--${flag.name}\\b.*\\S`));
    }
    expect(await cli(['--help'])).toEqual({ status: 0, out: MAIN_HELP, err: '' });
    expect(await cli([])).toEqual({ status: 2, out: '', err: MAIN_HELP });
  });

  it('refuses bad usage with status 2 before connecting anywhere', async () => {
    const cases: [string[], string][] = [
      [['nope'], 'unknown command "nope"'],
      [['revoke'], 'name exactly one of --jti, --sub or --client-id'],
      [['revoke', '--sub', 'a', '--client-id', 'b'], 'name exactly one of'],
      [['revoke', '--jti', 'j'], '--jti needs --exp'],
      [
        ['revoke', '--jti', 'j', '--exp', '1', '--before', 'now'],
        '--before and --lifetime apply to --sub and --client-id',
      ],
      [['revoke', '--sub', 'a', '--exp', '1'], '--exp applies to --jti only'],
      [['revoke', '--sub', 'a', '--before', 'yesterday'], '--before must be "now", an ISO 8601 date-time'],
      [['revoke', '--sub', 'a', '--lifetime', 'forever'], '--lifetime must be a duration'],
      [['list', '--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const run = await cli([...args, '--redis-url', 'redis://127.0.0.1:1']);
      expect([run.status, run.err], args.join(' ')).toEqual([2, expect.stringContaining(message)]);
    }
  });
});

describeRedis('tollgate-redis against a real Redis', () => {
  let redis: TestRedisServer;
  let client: TestClient;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectClient(redis.url);
  });
  beforeEach(async () => {
    await client.flushAll();
  });
  afterAll(async () => {
    await closeClients();
    await redis?.close();
  });

  it('revokes a subject, lists it, and ends it, as the library sees it', async () => {
    const revoke = await cli(['revoke', '--redis-url', redis.url, '--sub', 'alice', '--lifetime', '1h']);
    expect(revoke).toEqual({
      status: 0,
      out: 'Revoked sub "alice" (every issuer): tokens issued before 2030-01-01T12:00:00.000Z are refused; the rule lasts until 2030-01-01T13:05:00.000Z.\n',
      err: '',
    });
    const rule = { kind: 'sub', sub: 'alice', issuedBeforeMs: NOW, expiresAtMs: NOW + HOUR + 300_000 };
    expect(await new RedisRevocations({ client, clock: () => NOW }).list()).toEqual([rule]);

    const list = await cli(['list', '--redis-url', redis.url]);
    expect(list.out).toBe(
      'KIND  VALUE    ISSUER  ISSUED BEFORE             EXPIRES\n' +
        'sub   "alice"  *       2030-01-01T12:00:00.000Z  2030-01-01T13:05:00.000Z\n',
    );
    expect(JSON.parse((await cli(['list', '--redis-url', redis.url, '--json'])).out)).toEqual([rule]);

    expect((await cli(['unrevoke', '--redis-url', redis.url, '--sub', 'alice'])).out).toBe(
      'Ended the revocation of sub "alice" (every issuer).\n',
    );
    expect((await cli(['unrevoke', '--redis-url', redis.url, '--sub', 'alice'])).out).toBe(
      'No revocation of sub "alice" (every issuer) was in force.\n',
    );
    expect((await cli(['list', '--redis-url', redis.url])).out).toBe('No revocations in force.\n');
  });

  it('revokes one token by jti and exp, and a client for one issuer before a given time, with a prefix', async () => {
    const url = ['--redis-url', redis.url, '--prefix', 'fleet-b:'];
    const jti = await cli(['revoke', ...url, '--jti', 'tok-1', '--exp', '2030-01-01T13:00:00Z', '--json']);
    expect(JSON.parse(jti.out)).toEqual({ kind: 'jti', jti: 'tok-1', expiresAtMs: NOW + HOUR + 300_000 });
    const byClient = await cli([
      'revoke',
      ...url,
      '--client-id',
      'partner',
      '--iss',
      'https://auth.example',
      '--before',
      String(NOW / 1000 - 60),
      '--json',
    ]);
    expect(JSON.parse(byClient.out)).toEqual({
      kind: 'client',
      clientId: 'partner',
      iss: 'https://auth.example',
      issuedBeforeMs: NOW - 60_000,
      expiresAtMs: NOW - 60_000 + 24 * HOUR + 300_000,
    });
    expect(await client.exists('fleet-b:{revocation}:rules')).toBe(1);
    expect(await client.exists('tollgate:{revocation}:rules')).toBe(0);
    expect(
      JSON.parse(
        (await cli(['unrevoke', ...url, '--client-id', 'partner', '--iss', 'https://auth.example', '--json'])).out,
      ),
    ).toEqual({
      id: 'client:https%3A%2F%2Fauth.example:partner',
      removed: true,
    });
  });

  it('reaches a running mirror: a revocation from the command line is refused by the service', async () => {
    const mirrorClient = await connectClient(redis.url);
    const mirror = new RedisRevocationMirror({ client: mirrorClient });
    try {
      await mirror.ready();
      expect((await cli(['revoke', '--sub', 'mallory'], { TOLLGATE_REDIS_URL: redis.url })).status).toBe(0);
      await eventually(
        () => mirror.revoked({ sub: 'mallory', iat: NOW / 1000 - 10 }, Date.now()) !== undefined,
        2000,
        1,
      );
    } finally {
      await mirror.close();
    }
  });

  it('fails with status 1 and a sentence when Redis is unreachable, without the password', async () => {
    const run = await cli(['list', '--redis-url', 'redis://user:s3cret@127.0.0.1:1', '--timeout', '500ms']);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(
      /^tollgate-redis: could not connect to Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    expect(run.err).not.toContain('s3cret');
  });
});
