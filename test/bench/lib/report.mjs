// Small statistics and markdown helpers.
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values) {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** 12345.6 -> "12,346"; small numbers keep a decimal. */
export function num(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const ratio = (a, b) => (a === null || a === undefined || !b ? null : a / b);
export const x = (value) => (value === null || value === undefined ? '—' : `${value.toFixed(2)}×`);

export function table(headers, rows, align) {
  const a = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const sep = a.map((s) => (s === 'r' ? '---:' : s === 'c' ? ':---:' : '---'));
  return [headers, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export const mark = (pass) => (pass === null || pass === undefined ? 'n/a' : pass ? '✅ met' : '❌ missed');
