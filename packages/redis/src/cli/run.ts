import {
  isTollgateError,
  revocationRuleId,
  type RevocationRequest,
  type RevocationRule,
  type RevocationSelector,
} from '@tollgate/core';
import { createClient } from 'redis';
import { errorText } from '../client.js';
import { isRedisUnavailableError } from '../errors.js';
import { DEFAULT_KEY_PREFIX } from '../keys.js';
import { RedisRevocations } from '../revocations.js';
import {
  parseDuration,
  parseFlags,
  parseTime,
  renderHelp,
  stringFlag,
  UsageError,
  type FlagSpec,
  type FlagValues,
} from './parse.js';

/** Where the CLI writes and what it reads; the bin passes the process's, tests pass buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Clock for `--before` (default now). Default `Date.now`. */
  readonly clock?: () => number;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const REDIS_URL_ENV = 'TOLLGATE_REDIS_URL';

const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', help: 'Show this help.' };
const CONNECTION_FLAGS: FlagSpec[] = [
  {
    name: 'redis-url',
    type: 'string',
    value: '<url>',
    help: `Redis to use (redis:// or rediss://). Default: $${REDIS_URL_ENV}, else ${DEFAULT_REDIS_URL}.`,
  },
  {
    name: 'prefix',
    type: 'string',
    value: '<prefix>',
    help: `Key prefix, as configured in the services. Default: ${DEFAULT_KEY_PREFIX}`,
  },
  { name: 'timeout', type: 'string', value: '<duration>', help: 'Give up on Redis after this long. Default: 5s.' },
  { name: 'json', type: 'boolean', help: 'Print JSON instead of sentences.' },
];
const TARGET_FLAGS: FlagSpec[] = [
  { name: 'jti', type: 'string', value: '<jti>', help: 'One token, by its "jti".' },
  { name: 'sub', type: 'string', value: '<sub>', help: 'A subject: its tokens issued before --before.' },
  {
    name: 'client-id',
    type: 'string',
    value: '<id>',
    help: 'A client ("client_id" or "azp"): its tokens issued before --before.',
  },
  { name: 'iss', type: 'string', value: '<issuer>', help: 'Only tokens from this issuer. Default: every issuer.' },
];

export const REVOKE_FLAGS: FlagSpec[] = [
  ...TARGET_FLAGS,
  {
    name: 'exp',
    type: 'string',
    value: '<time>',
    help: 'With --jti: the token\'s "exp" (seconds since the epoch, or ISO 8601); the rule is kept until then.',
  },
  {
    name: 'before',
    type: 'string',
    value: '<time>',
    help: 'With --sub/--client-id: refuse tokens issued before this time ("now", ISO 8601, or epoch seconds). Default: now.',
  },
  {
    name: 'lifetime',
    type: 'string',
    value: '<duration>',
    help: 'With --sub/--client-id: keep the rule this long after --before; at least your longest token lifetime. Default: 24h.',
  },
  ...CONNECTION_FLAGS,
  HELP_FLAG,
];
export const UNREVOKE_FLAGS: FlagSpec[] = [...TARGET_FLAGS, ...CONNECTION_FLAGS, HELP_FLAG];
export const LIST_FLAGS: FlagSpec[] = [...CONNECTION_FLAGS, HELP_FLAG];

const TIME_FORMATS =
  'Times: "now", ISO 8601 (2026-12-04T10:00:00Z) or seconds since the epoch. Durations: 500ms, 30s, 15m, 12h, 7d.';

export const REVOKE_HELP = renderHelp(
  'tollgate-redis revoke (--jti <jti> --exp <time> | --sub <sub> | --client-id <id>) [options]',
  `Revokes tokens for every service that mirrors this Redis; each service refuses them within
its propagation time (milliseconds on a healthy network). ${TIME_FORMATS}`,
  REVOKE_FLAGS,
);
export const UNREVOKE_HELP = renderHelp(
  'tollgate-redis unrevoke (--jti <jti> | --sub <sub> | --client-id <id>) [--iss <issuer>] [options]',
  'Ends a revocation (name it as it was made, --iss included).',
  UNREVOKE_FLAGS,
);
export const LIST_HELP = renderHelp('tollgate-redis list [options]', 'Lists the revocations in force.', LIST_FLAGS);

export const MAIN_HELP = `Usage: tollgate-redis <command> [options]

Administers the revocation list that tollgate services share through Redis (@tollgate/redis).

Commands:
  revoke     Revoke a token (--jti), a subject (--sub) or a client (--client-id)
  unrevoke   End a revocation
  list       List the revocations in force

Run \`tollgate-redis <command> --help\` for a command's options.
`;

const COMMANDS = {
  revoke: { flags: REVOKE_FLAGS, help: REVOKE_HELP },
  unrevoke: { flags: UNREVOKE_FLAGS, help: UNREVOKE_HELP },
  list: { flags: LIST_FLAGS, help: LIST_HELP },
} as const;

/**
 * Runs `tollgate-redis` and resolves with the exit status: 0 done, 1 failed (Redis unreachable
 * or refused), 2 bad usage.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io[command === undefined ? 'stderr' : 'stdout'](MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command as keyof typeof COMMANDS] : undefined;
  try {
    if (spec === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const values = parseFlags(args, spec.flags);
    if (values.help === true) {
      io.stdout(spec.help);
      return 0;
    }
    const plan = command === 'list' ? undefined : command === 'revoke' ? revokeRequest(values, io) : selector(values);
    return await withRevocations(values, io, async (revocations) => {
      const json = values.json === true;
      if (command === 'revoke') {
        const rule = await revocations.revoke(plan as RevocationRequest);
        io.stdout(json ? `${JSON.stringify(rule)}\n` : `Revoked ${describeRule(rule)}.\n`);
      } else if (command === 'unrevoke') {
        const removed = await revocations.unrevoke(plan as RevocationSelector);
        const what = describeTarget(plan as RevocationSelector);
        io.stdout(
          json
            ? `${JSON.stringify({ id: revocationRuleId(plan as RevocationSelector), removed })}\n`
            : removed
              ? `Ended the revocation of ${what}.\n`
              : `No revocation of ${what} was in force.\n`,
        );
      } else {
        const rules = await revocations.list();
        io.stdout(
          json ? `${JSON.stringify(rules)}\n` : rules.length === 0 ? 'No revocations in force.\n' : table(rules),
        );
      }
      return 0;
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `tollgate-redis: ${error.message}\nRun \`tollgate-redis ${spec ? `${command} ` : ''}--help\` for usage.\n`,
      );
      return 2;
    }
    io.stderr(
      `tollgate-redis: ${error instanceof TypeError || isTollgateError(error) || isRedisUnavailableError(error) ? error.message : errorText(error)}\n`,
    );
    return 1;
  }
}

function target(values: FlagValues): { jti?: string; sub?: string; clientId?: string; iss?: string } {
  const named = (['jti', 'sub', 'client-id'] as const).filter((name) => stringFlag(values, name) !== undefined);
  if (named.length !== 1) throw new UsageError('name exactly one of --jti, --sub or --client-id');
  const iss = stringFlag(values, 'iss');
  const which = named[0]!;
  const value = stringFlag(values, which)!;
  return {
    ...(which === 'jti' ? { jti: value } : which === 'sub' ? { sub: value } : { clientId: value }),
    ...(iss === undefined ? {} : { iss }),
  };
}

function selector(values: FlagValues): RevocationSelector {
  return target(values) as RevocationSelector;
}

function revokeRequest(values: FlagValues, io: CliIo): RevocationRequest {
  const now = (io.clock ?? Date.now)();
  const chosen = target(values);
  const exp = stringFlag(values, 'exp');
  const before = stringFlag(values, 'before');
  const lifetime = stringFlag(values, 'lifetime');
  if (chosen.jti !== undefined) {
    if (exp === undefined)
      throw new UsageError(
        "--jti needs --exp, the token's expiry, so the rule can be dropped when the token is dead anyway",
      );
    if (before !== undefined || lifetime !== undefined)
      throw new UsageError('--before and --lifetime apply to --sub and --client-id, not --jti');
    return { jti: chosen.jti, exp: parseTime('exp', exp, now).getTime() / 1000, iss: chosen.iss };
  }
  if (exp !== undefined) throw new UsageError('--exp applies to --jti only');
  const common = {
    before: before === undefined ? new Date(now) : parseTime('before', before, now),
    iss: chosen.iss,
    lifetimeMs: lifetime === undefined ? undefined : parseDuration('lifetime', lifetime),
  };
  return chosen.sub !== undefined ? { sub: chosen.sub, ...common } : { clientId: chosen.clientId!, ...common };
}

async function withRevocations(
  values: FlagValues,
  io: CliIo,
  run: (revocations: RedisRevocations) => Promise<number>,
): Promise<number> {
  const url = stringFlag(values, 'redis-url') ?? io.env[REDIS_URL_ENV] ?? DEFAULT_REDIS_URL;
  const timeoutMs = parseDuration('timeout', stringFlag(values, 'timeout') ?? '5s');
  if (timeoutMs < 1) throw new UsageError('--timeout must be at least 1ms');
  const prefix = stringFlag(values, 'prefix');
  // One attempt, no reconnect loop, no offline queue: an operator's command fails at once and says why.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
  });
  let lastError: unknown;
  client.on('error', (error: unknown) => void (lastError = error));
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`could not connect to Redis at ${redact(url)}: ${errorText(lastError ?? error)}`);
  }
  try {
    const revocations = new RedisRevocations({
      client,
      timeoutMs,
      ...(prefix === undefined ? {} : { keyPrefix: prefix }),
      ...(io.clock ? { clock: io.clock } : {}),
    });
    return await run(revocations);
  } finally {
    client.destroy();
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}

function describeTarget(s: RevocationSelector | RevocationRule): string {
  const [kind, value] =
    'jti' in s && s.jti !== undefined
      ? ['jti', s.jti]
      : 'sub' in s && s.sub !== undefined
        ? ['sub', s.sub]
        : ['client', (s as { clientId: string }).clientId];
  return `${kind} ${JSON.stringify(value)} (${s.iss === undefined ? 'every issuer' : `issuer ${JSON.stringify(s.iss)}`})`;
}

const iso = (ms: number) => new Date(ms).toISOString();

function describeRule(rule: RevocationRule): string {
  const until = `the rule lasts until ${iso(rule.expiresAtMs)}`;
  if (rule.kind === 'jti') return `${describeTarget(rule)}; ${until}`;
  return `${describeTarget(rule)}: tokens issued before ${iso(rule.issuedBeforeMs)} are refused; ${until}`;
}

function table(rules: readonly RevocationRule[]): string {
  const rows = [['KIND', 'VALUE', 'ISSUER', 'ISSUED BEFORE', 'EXPIRES']];
  for (const rule of rules) {
    const value = rule.kind === 'jti' ? rule.jti : rule.kind === 'sub' ? rule.sub : rule.clientId;
    rows.push([
      rule.kind,
      JSON.stringify(value),
      rule.iss === undefined ? '*' : JSON.stringify(rule.iss),
      rule.kind === 'jti' ? '-' : iso(rule.issuedBeforeMs),
      iso(rule.expiresAtMs),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}
