import { parseArgs } from 'node:util';

/** One command-line flag; the help text is generated from these, so every flag is documented. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder shown in help, e.g. `<dir>`. */
  readonly value?: string;
  readonly help: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Thrown for bad usage; the CLI exits with status 2 and points at `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP: FlagSpec = { name: 'help', short: 'h', type: 'boolean', help: 'Show this help.' };

/** Flags both commands take, worded for `command`; `--alg` follows these three. */
export function sharedFlags(command: 'serve' | 'token'): { address: FlagSpec[]; rest: FlagSpec[] } {
  const serve = command === 'serve';
  return {
    address: [
      {
        name: 'host',
        type: 'string',
        value: '<host>',
        help: serve
          ? 'Interface to listen on. Default: 127.0.0.1.'
          : 'Host of the issuer URL (as given to serve). Default: 127.0.0.1.',
      },
      {
        name: 'port',
        type: 'string',
        value: '<port>',
        help: serve
          ? 'Port to listen on; 0 picks a free one. Default: 4010.'
          : 'Port of the issuer URL (as given to serve). Default: 4010.',
      },
      {
        name: 'public-url',
        type: 'string',
        value: '<url>',
        help: 'Base URL clients use, when it is not http://<host>:<port> (containers, proxies).',
      },
    ],
    rest: [
      {
        name: 'tenants',
        type: 'string',
        value: '<file>',
        help: 'Tenants file (YAML or JSON, shaped like Uitsmijter\'s tenant.yaml). Default: one tenant, "default", at the root.',
      },
      {
        name: 'keys',
        type: 'string',
        value: '<dir>',
        help: 'Key directory (files of mode 0600). Default: keys in memory, lost on exit.',
      },
      {
        name: 'max-age',
        type: 'string',
        value: '<duration>',
        help: 'Rotate a signing key when it is this old. Default: 90d.',
      },
      {
        name: 'grace',
        type: 'string',
        value: '<duration>',
        help: 'Keep retired keys in the JWKS this long. Default: longest token lifetime + 1d.',
      },
      {
        name: 'hs256-secret-env',
        type: 'string',
        value: '<name>',
        help: "Environment variable with the default tenant's HS256 secret (>= 32 bytes). Default: JWT_SECRET.",
      },
    ],
  };
}

export const DURATION_HELP = 'Durations: 500ms, 30s, 15m, 12h, 90d, or a number of seconds.';

/** Parses `args` against `flags`; unknown flags and stray arguments are usage errors. */
export function parseFlags(args: readonly string[], flags: readonly FlagSpec[]): FlagValues {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.type,
      ...(flag.multiple ? { multiple: true } : {}),
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Renders a help page: usage line, description, then one line per flag. */
export function renderHelp(usage: string, description: string, flags: readonly FlagSpec[], footer = ''): string {
  const labels = flags.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  const lines = flags.map((f, i) => `  ${labels[i]!.padEnd(width)}${f.help}${f.multiple ? ' Repeatable.' : ''}`);
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${lines.join('\n')}\n${footer ? `\n${footer}\n` : ''}`;
}

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}
