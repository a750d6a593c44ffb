// @ts-check
// The demo's timeline output: each line stamped with real seconds since the start and the
// simulated time. Colour only on a terminal, and never with NO_COLOR set.
import { styleText } from 'node:util';

const MINUTE = 60_000;
const STAMP_WIDTH = 26;

/** @param {import('./sim-clock.mjs').SimClock} clock */
export function createTimeline(clock) {
  const realStart = Date.now();
  const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
  /** @param {Parameters<typeof styleText>[0]} style @param {string} text */
  const paint = (style, text) => (useColor ? styleText(style, text) : text);
  const simTime = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  const simSeconds = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(11, 19);

  // Arrow functions, not methods: callers destructure them.
  return {
    paint,
    simTime,
    simSeconds,
    ok: (/** @type {string} */ text) => `${paint('green', '✓')} ${text}`,
    bad: (/** @type {string} */ text) => `${paint('red', '✗')} ${text}`,

    /** A timeline line: real seconds since start, simulated time, text. */
    say: (/** @type {string} */ text) => {
      const real = `${((Date.now() - realStart) / 1000).toFixed(1)}s`.padStart(6);
      console.log(`${paint('dim', `${real}  ${simTime(clock.now())}`)}  ${text}`);
    },

    /** A continuation line under the last timeline line. */
    note: (/** @type {string} */ text) => {
      console.log(`${' '.repeat(STAMP_WIDTH)}${paint('dim', text)}`);
    },

    heading: (/** @type {string} */ title) => {
      console.log(`\n${paint('bold', `── ${title} ${'─'.repeat(Math.max(3, 92 - title.length))}`)}`);
    },

    /** Left-aligned first column, right-aligned others; the first row is the header. */
    table: (/** @type {(string | number)[][]} */ rows, indent = STAMP_WIDTH) => {
      const widths =
        rows[0]?.map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length))) ?? [];
      for (const [index, row] of rows.entries()) {
        const line = row
          .map((cell, column) =>
            column === 0 ? String(cell).padEnd(widths[column] ?? 0) : String(cell).padStart(widths[column] ?? 0),
          )
          .join('   ');
        console.log(' '.repeat(indent) + (index === 0 ? paint('dim', line) : line));
      }
    },

    /** `89 d 23 h 42 min`, to the minute. */
    duration: (/** @type {number} */ ms) => {
      const total = Math.round(ms / MINUTE);
      const parts = [];
      const days = Math.floor(total / (24 * 60));
      const hours = Math.floor((total % (24 * 60)) / 60);
      const minutes = total % 60;
      if (days) parts.push(`${days} d`);
      if (hours) parts.push(`${hours} h`);
      if (minutes || parts.length === 0) parts.push(`${minutes} min`);
      return parts.join(' ');
    },
  };
}
