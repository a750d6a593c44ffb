// Summaries of load samples, process health probes (RSS, event-loop delay), and the results table.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Sample } from './load.js';

/** The `p`-th percentile (0–100) of `values`, nearest-rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface LoadSummary {
  readonly requests: number;
  readonly legit: number;
  /** Legitimate requests answered with anything but 200. */
  readonly failures: number;
  /** Requests that had to be refused and were answered 200. */
  readonly forgedAccepted: number;
  /** Latency of every legitimate request, ms, in completion order. */
  readonly legitLatencies: readonly number[];
  /** Latency of legitimate requests, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Status counts per kind, e.g. `{ legit: { 200: 4000 }, 'alg-none': { 401: 300 } }`. */
  readonly statusesByKind: Readonly<Record<string, Readonly<Record<number, number>>>>;
  /** The first few failed or forged samples, for the assertion message. */
  readonly examples: readonly Sample[];
}

export function summarize(samples: readonly Sample[]): LoadSummary {
  const legit = samples.filter((s) => s.expect === 'accept');
  const failed = legit.filter((s) => s.status !== 200);
  const forged = samples.filter((s) => s.expect === 'refuse' && s.status === 200);
  const latencies = legit.map((s) => s.latencyMs);
  const statusesByKind: Record<string, Record<number, number>> = {};
  for (const s of samples) {
    const byStatus = (statusesByKind[s.kind] ??= {});
    byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  }
  return {
    requests: samples.length,
    legit: legit.length,
    failures: failed.length,
    forgedAccepted: forged.length,
    legitLatencies: latencies,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? 0 : Math.max(...latencies),
    statusesByKind,
    examples: [...failed, ...forged].slice(0, 5),
  };
}

/** Resident set size after a full GC (when `--expose-gc` is on), in bytes. */
export function settledRss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().rss;
}

/** Event-loop delay while a scenario runs; `stop()` returns its p99 in ms. */
export function watchEventLoop(): { stop(): { p99Ms: number; maxMs: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
    },
  };
}

/** One row of the results table. */
export interface ResultRow {
  readonly scenario: string;
  readonly requests: number;
  readonly failures: number;
  readonly forgedAccepted: number;
  readonly jwksRequests: number;
  readonly p99Ms: number;
  readonly rssGrowthMb: number;
  readonly loopP99Ms: number;
  /** One line of what the scenario showed beyond the columns. */
  readonly note: string;
}

const mb = (bytes: number) => bytes / (1024 * 1024);
export const toMb = (bytes: number): number => Math.round(mb(bytes) * 10) / 10;

/** The Markdown table printed at the end and written to the results file. */
export function renderTable(rows: readonly ResultRow[]): string {
  const header = [
    'scenario',
    'requests',
    'failures',
    'forged accepted',
    'JWKS requests',
    'p99 (ms)',
    'RSS growth (MB)',
    'event-loop p99 (ms)',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) {
    const cells = [
      row.scenario,
      row.requests,
      row.failures,
      row.forgedAccepted,
      row.jwksRequests,
      row.p99Ms.toFixed(1),
      row.rssGrowthMb.toFixed(1),
      row.loopP99Ms.toFixed(1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
