import { ConfigError } from './errors.js';

/** An option named inside a problem sentence; `atFault` options are the ones `ConfigError.options` lists. */
export class OptionName {
  constructor(
    readonly path: string,
    readonly atFault: boolean,
  ) {}
}

/** An option the problem is about (listed in `ConfigError.options`). */
export const opt = (path: string): OptionName => new OptionName(path, true);
/** An option a problem only mentions, e.g. in its advice. */
export const see = (path: string): OptionName => new OptionName(path, false);

/** One problem: a sentence of text and option names. */
export type Problem = readonly (string | OptionName)[];

/** `a`, `a or b`, `a, b or c` (`word` = `'and'` for `a, b and c`), as problem parts. */
export function listOf<T extends string | OptionName>(names: readonly T[], word: 'or' | 'and' = 'or'): (T | string)[] {
  return names.flatMap((name, i) => (i === 0 ? [name] : [i === names.length - 1 ? ` ${word} ` : ', ', name]));
}

/**
 * How option paths appear in messages (`shown`) and in `ConfigError.options` (`listed`). `env.ts`
 * shows `secret 2 of TOLLGATE_HS256_SECRETS` and lists `TOLLGATE_HS256_SECRETS` where the options
 * say `hs256.secrets[1]`.
 */
export interface OptionNaming {
  shown(path: string): string;
  listed(path: string): string;
}

const AS_IS: OptionNaming = { shown: (path) => path, listed: (path) => path };

/** Renders a problem as its sentence. */
export function sentence(problem: Problem, naming: OptionNaming = AS_IS): string {
  return problem.map((part) => (typeof part === 'string' ? part : naming.shown(part.path))).join('');
}

/** The options a problem is about, as `naming` lists them. */
export function faults(problem: Problem, naming: OptionNaming = AS_IS): string[] {
  return problem
    .filter((part): part is OptionName => typeof part !== 'string' && part.atFault)
    .map((part) => naming.listed(part.path));
}

/**
 * A problem sentence: interpolate `opt()`/`see()` for option names, anything else as text.
 *
 * @example
 * line`${opt('audience')} is required; pass null to skip the audience check on purpose.`
 */
export function line(text: TemplateStringsArray, ...values: unknown[]): Problem {
  const parts: (string | OptionName)[] = [];
  text.forEach((chunk, i) => {
    parts.push(chunk);
    if (i < values.length) {
      const value = values[i];
      parts.push(value instanceof OptionName ? value : String(value));
    }
  });
  return parts.filter((part) => part !== '');
}

/**
 * Collects every configuration problem, so one start-up error lists them all. Each problem is a
 * sentence that names its options through `opt()`/`see()`, so a caller that knows the options by
 * other names (environment variables) can show those instead.
 *
 * @example
 * problems.add(line`${opt('audience')} is required; pass null to skip the audience check on purpose.`);
 */
export class Problems {
  readonly list: Problem[] = [];

  add(problem: Problem): void {
    this.list.push(problem);
  }

  /** Throws one `ConfigError` listing every problem, one sentence a line; does nothing without problems. */
  throwIfAny(title = 'Invalid tollgate configuration', naming: OptionNaming = AS_IS): void {
    if (this.list.length > 0) throw configError(title, this.list, naming);
  }
}

/** One `ConfigError` for `problems`: a line each, and every option at fault listed once. */
export function configError(title: string, problems: readonly Problem[], naming: OptionNaming = AS_IS): ConfigError {
  const lines = problems.map((problem) => `  - ${sentence(problem, naming)}`).join('\n');
  const options = [...new Set(problems.flatMap((problem) => faults(problem, naming)))];
  return new ConfigError(`${title}:\n${lines}`, options);
}
