// RESULTS.md: the load suite's table (rewritten by reliability.test.ts) and, between markers,
// sections other test files of the suite record (the JWKS fleet simulation). The files run in
// no fixed order, so whichever writes keeps what the other wrote.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

const SECTION = /<!-- section:([\w-]+) -->\n[\s\S]*?<!-- \/section:\1 -->\n/g;

function current(): string {
  return existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '';
}

/** The marked sections of RESULTS.md as they are now, to append to a rewritten document. */
export function keptSections(): string {
  return [...current().matchAll(SECTION)].map((match) => match[0]).join('\n');
}

/** Writes (or replaces) the section `name` of RESULTS.md, leaving the rest as it is. */
export function recordSection(name: string, markdown: string): void {
  const section = `<!-- section:${name} -->\n${markdown.trimEnd()}\n<!-- /section:${name} -->\n`;
  const text = current();
  const existing = [...text.matchAll(SECTION)].find((match) => match[1] === name);
  writeFileSync(RESULTS_FILE, existing ? text.replace(existing[0], section) : `${text.trimEnd()}\n\n${section}`);
}
