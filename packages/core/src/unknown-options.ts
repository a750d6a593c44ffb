import { closestNames } from './closest-name.js';
import { listOf, opt, see, type Problem, type Problems } from './problems.js';

/** Sets of known names this small are listed in full when a mistyped name has no close match. */
const LIST_UP_TO = 8;

export interface UnknownOptionsCheck {
  /** Prefix of the paths in messages, e.g. `jwks.` or `issuers[0].`. Default: none. */
  readonly at?: string | undefined;
  /**
   * Names that are real options, but of something else (Nest: verifier options passed next to
   * `verifier`). Each group's names found are reported together in one problem: the names,
   * `is`/`are`, then `advice` (told whether it is one name), e.g.
   * `(one) => \`a verifier option: put ${one ? 'it' : 'them'} under verifier.\``.
   */
  readonly elsewhere?: readonly MisplacedOptions[] | undefined;
}

/** Options that belong somewhere else, and what to say about them. */
export interface MisplacedOptions {
  readonly names: ReadonlySet<string>;
  readonly advice: (one: boolean) => string;
}

/**
 * Records a problem for every own key of `value` that is not in `known`, suggesting the closest
 * known name. Plain JavaScript callers otherwise lose a mistyped option without a word
 * (`audiences`, `jwks.timeoutMs`), and the default it falls back to may be the less safe one.
 */
export function refuseUnknownOptions(
  problems: Problems,
  value: object,
  known: ReadonlySet<string>,
  check: UnknownOptionsCheck = {},
): void {
  const at = check.at ?? '';
  const unknown = Object.keys(value).filter((key) => !known.has(key));
  if (unknown.length === 0) return;
  const reported = new Set<string>();
  for (const group of check.elsewhere ?? []) {
    const misplaced = unknown.filter((key) => group.names.has(key) && !reported.has(key));
    if (misplaced.length === 0) continue;
    const one = misplaced.length === 1;
    problems.add([
      ...listOf(
        misplaced.map((key) => opt(at + key)),
        'and',
      ),
      one ? ' is ' : ' are ',
      group.advice(one),
    ]);
    misplaced.forEach((key) => reported.add(key));
  }
  for (const key of unknown) {
    if (reported.has(key)) continue;
    const near = closestNames(key, known);
    const problem: Problem =
      near.length > 0
        ? [opt(at + key), ' is not a known option; did you mean ', ...listOf(near.map((name) => see(at + name))), '?']
        : known.size <= LIST_UP_TO
          ? [
              opt(at + key),
              ' is not a known option; the options here are ',
              ...listOf(
                [...known].map((name) => see(at + name)),
                'and',
              ),
              '.',
            ]
          : [opt(at + key), ' is not a known option; check its spelling against the options table in the README.'];
    problems.add(problem);
  }
}
