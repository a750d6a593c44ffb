// The core's option, environment and error tables, in this package's README and in their summary in
// the repository README, checked against the values the code uses. A failure names the file and the
// row to add or fix, so a new option or error code gets its README rows in the same change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_VARIABLES,
  ERROR_HTTP,
  JWKS_DEFAULTS,
  MIN_HS256_SECRET_BYTES,
  RESOURCE_METADATA_DEFAULTS,
  VERIFIER_DEFAULTS,
} from './index.js';

const README = { core: 'packages/core/README.md', root: 'README.md' } as const;
const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');

interface Row {
  readonly cells: readonly string[];
  readonly at: string;
}
interface Table {
  readonly header: readonly string[];
  readonly rows: readonly Row[];
}

/** Every Markdown table of a file; cells are split on unescaped `|`. */
function tablesOf(file: string): Table[] {
  const tables: { header: string[]; rows: Row[] }[] = [];
  let current: { header: string[]; rows: Row[] } | undefined;
  read(file)
    .split('\n')
    .forEach((line, index) => {
      if (!line.startsWith('|')) {
        current = undefined;
        return;
      }
      const cells = line
        .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      if (!current) tables.push((current = { header: cells, rows: [] }));
      else if (!/^[-: ]+$/.test(cells.join(''))) current.rows.push({ cells, at: `${file}:${index + 1}` });
    });
  return tables;
}

const rowsOf = (file: string, firstColumn: string) =>
  tablesOf(file)
    .filter((t) => t.header[0] === firstColumn)
    .flatMap((t) => t.rows);
const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const show = (value: unknown) => (typeof value === 'string' ? `'${value}'` : String(value));

/** Option name → documented default, from the `option | default | …` tables. `a` / `b` rows document two options. */
function documentedDefaults(file: string): Map<string, { value: string; row: Row }> {
  const defaults = new Map<string, { value: string; row: Row }>();
  for (const row of rowsOf(file, 'option')) {
    const names = codeSpans(row.cells[0]!);
    const values = row.cells[1]!.split(' / ').map((part) => codeSpans(part)[0] ?? part);
    // `jwks.connectTimeoutMs` / `headersTimeoutMs`: later names inherit the first one's prefix.
    const prefix = names[0]?.includes('.') ? names[0].slice(0, names[0].lastIndexOf('.') + 1) : '';
    names.forEach((name, i) => {
      defaults.set(name.includes('.') ? name : prefix + name, {
        value: values.length === names.length ? values[i]! : row.cells[1]!,
        row,
      });
    });
  }
  return defaults;
}

/**
 * Every default the code applies, by the option name users write. `tokenCacheEntries` is the
 * default of `tokenCache: { maxEntries }`, documented inside the `tokenCache` row.
 */
const { tokenCacheEntries, ...verifierDefaults } = VERIFIER_DEFAULTS;
const CODE_DEFAULTS: Record<string, unknown> = {
  ...verifierDefaults,
  ...Object.fromEntries(Object.entries(JWKS_DEFAULTS).map(([key, value]) => [`jwks.${key}`, value])),
  ...Object.fromEntries(
    Object.entries(RESOURCE_METADATA_DEFAULTS).map(([key, value]) => [`resourceMetadata.${key}`, value]),
  ),
};

function optionProblems(file: string): string[] {
  const documented = documentedDefaults(file);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(CODE_DEFAULTS)) {
    const doc = documented.get(name);
    if (!doc)
      problems.push(
        `${file}: add a row to the options tables: | \`${name}\` | \`${show(value)}\` | <what it does, its unit, when to change it> |`,
      );
    else if (doc.value !== show(value))
      problems.push(
        `${doc.row.at}: the default of \`${name}\` is \`${show(value)}\` in the code, \`${doc.value}\` in the table`,
      );
  }
  const cache = documented.get('tokenCache');
  if (!cache?.row.cells.some((cell) => cell.includes(`(default \`${tokenCacheEntries}\`)`))) {
    problems.push(
      `${cache?.row.at ?? file}: the \`tokenCache\` row must say \`{ maxEntries }\` (default \`${tokenCacheEntries}\`)`,
    );
  }
  const secrets = documented.get('hs256.secrets');
  if (!secrets?.row.cells.some((cell) => cell.includes(`≥ ${MIN_HS256_SECRET_BYTES} bytes`))) {
    problems.push(
      `${secrets?.row.at ?? file}: the \`hs256.secrets\` row must say each secret is ≥ ${MIN_HS256_SECRET_BYTES} bytes`,
    );
  }
  return problems;
}

function environmentProblems(file: string): string[] {
  const rows = rowsOf(file, 'variable');
  const problems: string[] = [];
  for (const [variable, description] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const option = description.split(/[: ]/)[0]!;
    const row = rows.find((r) => codeSpans(r.cells[0]!)[0] === variable);
    const expectedDefault = option in CODE_DEFAULTS ? show(CODE_DEFAULTS[option]) : undefined;
    if (!row) {
      problems.push(
        `${file}: add a row to the environment variables table: | \`${variable}\` | \`${option}\` | ${expectedDefault ? `\`${expectedDefault}\`` : '<default>'} |`,
      );
      continue;
    }
    if (codeSpans(row.cells[1]!)[0] !== option)
      problems.push(`${row.at}: \`${variable}\` sets \`${option}\`, the table says ${row.cells[1]}`);
    if (expectedDefault && codeSpans(row.cells[2]!)[0] !== expectedDefault)
      problems.push(
        `${row.at}: the default of \`${variable}\` is \`${expectedDefault}\`, the table says ${row.cells[2]}`,
      );
  }
  for (const row of rows) {
    const variable = codeSpans(row.cells[0]!)[0];
    if (!variable || !Object.hasOwn(ENVIRONMENT_VARIABLES, variable))
      problems.push(`${row.at}: remove the row for ${row.cells[0]}: optionsFromEnv does not read it`);
  }
  return problems;
}

type Code = keyof typeof ERROR_HTTP;
const CODES = Object.keys(ERROR_HTTP) as Code[];
const BEARER_ERRORS = new Set<string>(
  Object.values(ERROR_HTTP).flatMap((http) => (http.bearerError === null ? [] : [http.bearerError])),
);

/** The HTTP cell of the core README's error table for a code, exactly. */
function httpCell(code: Code): string {
  const { status, bearerError } = ERROR_HTTP[code];
  if (bearerError) return `${status} \`${bearerError}\``;
  if (status === 401) return '401 (no error code)';
  // errorResponse() adds Retry-After to every 503.
  if (status === 503) return '503 + `Retry-After`';
  return String(status);
}

/** Status and RFC 6750 error a free-form HTTP cell states (the repository README's summary). */
function parseHttp(cell: string): { status: number | null; bearerError: string | null } {
  const status = /\b([1-5]\d\d)\b/.exec(cell)?.[1];
  return {
    status: status ? Number(status) : null,
    bearerError: codeSpans(cell).find((s) => BEARER_ERRORS.has(s)) ?? null,
  };
}

describe('core README', () => {
  it('documents every option default the code applies', () => {
    expect(optionProblems(README.core)).toEqual([]);
  });

  it('lists every environment variable optionsFromEnv reads, with what it sets and its default', () => {
    expect(environmentProblems(README.core)).toEqual([]);
  });

  it('has one error table row per code, with the status and OAuth error of ERROR_HTTP', () => {
    const rows = rowsOf(README.core, 'code');
    const problems: string[] = [];
    CODES.forEach((code) => {
      const matching = rows.filter((row) => codeSpans(row.cells[0]!)[0] === code);
      if (matching.length === 0)
        problems.push(
          `${README.core}: add a row to the error table: | \`${code}\` | ${httpCell(code)} | <meaning> | <what to do> |`,
        );
      if (matching.length > 1)
        problems.push(`${matching.map((r) => r.at).join(', ')}: ${code} has ${matching.length} rows; keep one`);
      for (const row of matching) {
        if (row.cells[1] !== httpCell(code))
          problems.push(`${row.at}: the HTTP column of ${code} must read "${httpCell(code)}", not "${row.cells[1]}"`);
      }
    });
    for (const row of rows) {
      const code = codeSpans(row.cells[0]!)[0];
      if (!code || !Object.hasOwn(ERROR_HTTP, code))
        problems.push(`${row.at}: remove the row for ${row.cells[0]}: ERROR_HTTP has no such code`);
    }
    expect(problems).toEqual([]);
  });
});

describe('repository README', () => {
  it('documents every option default the code applies', () => {
    expect(optionProblems(README.root)).toEqual([]);
  });

  it('lists every environment variable optionsFromEnv reads, with what it sets and its default', () => {
    expect(environmentProblems(README.root)).toEqual([]);
  });

  it('puts every code in exactly one row of the error summary, with its status and OAuth error', () => {
    // Rows name codes (`ERR_TOKEN_MISSING`) or families (`ERR_TOKEN_*`); a named code takes precedence.
    const rows = rowsOf(README.root, 'codes').map((row) => ({
      row,
      names: codeSpans(row.cells[0]!).filter((s) => s.startsWith('ERR_')),
    }));
    const named = (code: Code) => rows.filter(({ names }) => names.includes(code));
    const family = (code: Code) =>
      rows.filter(({ names }) => names.some((n) => n.endsWith('*') && code.startsWith(n.slice(0, -1))));
    const problems: string[] = [];
    CODES.forEach((code) => {
      const { status, bearerError } = ERROR_HTTP[code];
      const matching = named(code).length > 0 ? named(code) : family(code);
      if (matching.length !== 1) {
        const where = matching.length === 0 ? 'no row' : matching.map(({ row }) => row.at).join(' and ');
        problems.push(
          `${README.root}: ${code} (${status}${bearerError ? ` ${bearerError}` : ''}) is in ${where} of the error summary; name it in the one row for "${httpCell(code)}"`,
        );
        return;
      }
      const { row } = matching[0]!;
      const stated = parseHttp(row.cells[1]!);
      // A row without a status documents configuration errors, thrown at start-up (ERROR_HTTP: 500).
      if ((stated.status ?? 500) !== status || stated.bearerError !== bearerError) {
        problems.push(
          `${row.at}: ${code} maps to ${httpCell(code)}, but this row says "${row.cells[1]}"; name it in the row for "${httpCell(code)}"`,
        );
      }
    });
    for (const { row, names } of rows) {
      for (const name of names) {
        const known = name.endsWith('*')
          ? CODES.some((code) => code.startsWith(name.slice(0, -1)))
          : Object.hasOwn(ERROR_HTTP, name);
        if (!known) problems.push(`${row.at}: remove ${name} from the error summary: ERROR_HTTP has no such code`);
      }
    }
    expect(problems).toEqual([]);
  });
});
