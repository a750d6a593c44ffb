import { parseArgs } from 'node:util';

/** Bad usage: the CLI prints it with a pointer to `--help` and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One flag; help is generated from these, so every flag is documented. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

export type FlagValues = Record<string, string | boolean | undefined>;

export function parseFlags(args: readonly string[], flags: readonly FlagSpec[]): FlagValues {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const flag of flags)
    options[flag.name] = flag.short ? { type: flag.type, short: flag.short } : { type: flag.type };
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function renderHelp(usage: string, description: string, flags: readonly FlagSpec[]): string {
  const labels = flags.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${flags.map((f, i) => `  ${labels[i]!.padEnd(width)}${f.help}`).join('\n')}\n`;
}

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `15m`, `12h`, `90d`, or a number of seconds; milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match)
    throw new UsageError(`--${flag} must be a duration like 30s, 15m, 12h or 7d; got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}

/** `now`, an ISO 8601 date-time (`2026-12-04T10:00:00Z`), or seconds since the epoch; a Date. */
export function parseTime(flag: string, text: string, now: number): Date {
  const trimmed = text.trim();
  if (trimmed === 'now') return new Date(now);
  if (/^\d+(\.\d+)?$/.test(trimmed)) return new Date(Number(trimmed) * 1000);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(
      `--${flag} must be "now", an ISO 8601 date-time like 2026-12-04T10:00:00Z, or seconds since the epoch; got ${JSON.stringify(text)}`,
    );
  return new Date(ms);
}
