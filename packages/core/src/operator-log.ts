import type { VerifierEventName, VerifierEvents, VerifierListener } from './events.js';

/**
 * Where a verifier tells the operator about trouble with its key sources. `console` fits, and so
 * do pino, winston and most loggers (`warn` and `info` taking a message string).
 */
export interface VerifierLogger {
  /** A key source fails (discovery or JWKS unreachable, HTTP 404, invalid JSON) or serves unusable keys. */
  warn(message: string): void;
  /** A failing key source works again. Default: `warn` when the logger has no `info`. */
  info?(message: string): void;
}

/**
 * Fewest milliseconds between two warnings about the same URL. The first failure is reported at
 * once with its cause; while it keeps failing, one reminder per interval says how many attempts
 * failed meanwhile. Requests never log: an outage costs one line per URL per interval.
 */
export const LOG_INTERVAL_MS = 5 * 60_000;

/** The part of a verifier the log listens to. */
export interface EventSource {
  on<E extends VerifierEventName>(event: E, listener: VerifierListener<E>): () => void;
}

interface UrlState {
  /** Failed attempts since the last successful one. */
  failures: number;
  /** Failed attempts not yet mentioned in a warning. */
  unreported: number;
  /** When the current run of failures began. */
  since: number;
  /** When this URL was last warned about (for any run); `-Infinity` before the first warning. */
  warnedAt: number;
  /** Whether the current run of failures has been warned about, so its end deserves a line too. */
  warned: boolean;
}

/**
 * Turns a verifier's own `fetch` and `keys:rejected` events into rate-limited operator messages:
 * one warning with the cause when a discovery or JWKS URL starts failing, a reminder at most every
 * `intervalMs` while it keeps failing, and one line when it recovers. Returns an unsubscribe
 * function. The clock is injectable so tests need no sleeps.
 */
export function attachOperatorLog(
  events: EventSource,
  logger: VerifierLogger,
  { clock = Date.now, intervalMs = LOG_INTERVAL_MS }: { clock?: () => number; intervalMs?: number } = {},
): () => void {
  const urls = new Map<string, UrlState>();
  const rejectionsWarnedAt = new Map<string, number>();
  const info = (message: string) => (typeof logger.info === 'function' ? logger.info(message) : logger.warn(message));

  const onFetch = (event: VerifierEvents['fetch']) => {
    const what = event.kind === 'discovery' ? 'OIDC discovery' : 'JWKS';
    const now = clock();
    const state = urls.get(event.url);
    if (event.outcome !== 'error') {
      if (state === undefined) return;
      urls.delete(event.url);
      if (state.warned) {
        info(
          `tollgate: the ${what} at ${event.url} answers again, after ${plural(state.failures, 'failed attempt')} over ${duration(now - state.since)}.`,
        );
      }
      // Remember when it last warned, so a flapping URL stays within one warning per interval.
      if (Number.isFinite(state.warnedAt))
        urls.set(event.url, { failures: 0, unreported: 0, since: now, warnedAt: state.warnedAt, warned: false });
      return;
    }
    const current = state ?? {
      failures: 0,
      unreported: 0,
      since: now,
      warnedAt: Number.NEGATIVE_INFINITY,
      warned: false,
    };
    if (current.failures === 0) current.since = now;
    current.failures++;
    current.unreported++;
    urls.set(event.url, current);
    if (now - current.warnedAt < intervalMs) return;
    const cause = event.error ?? (event.status === undefined ? 'no response' : `HTTP ${event.status}`);
    // Causes from the fetcher usually name the URL already; name it here only when they do not.
    const where = cause.includes(event.url) ? `the ${what}` : `the ${what} at ${event.url}`;
    const head = current.warned
      ? `tollgate: ${where} still cannot be fetched (${plural(current.unreported, 'failed attempt')} in the last ${duration(now - current.warnedAt)}): ${cause}.`
      : `tollgate: ${where} could not be fetched: ${cause}.`;
    const hint = event.status === 404 ? ' Check the URL: the server has no document at this path.' : '';
    logger.warn(
      `${head}${hint} Tokens whose keys are not cached are refused with 503 until a fetch succeeds; retries continue with backoff. ` +
        `Next report about this URL in ${duration(intervalMs)} at the earliest.`,
    );
    current.warnedAt = now;
    current.warned = true;
    current.unreported = 0;
  };

  const onRejected = (event: VerifierEvents['keys:rejected']) => {
    const now = clock();
    if (now - (rejectionsWarnedAt.get(event.jwksUri) ?? Number.NEGATIVE_INFINITY) < intervalMs) return;
    rejectionsWarnedAt.set(event.jwksUri, now);
    const list = event.rejected
      .map((r) => `${r.kid === undefined ? 'a key without kid' : `kid ${JSON.stringify(r.kid)}`} (${r.reason})`)
      .join(', ');
    logger.warn(
      `tollgate: the JWKS at ${event.jwksUri} has ${plural(event.rejected.length, 'key')} that will not be used: ${list}. Tokens signed with them are refused.`,
    );
  };

  const off = [events.on('fetch', onFetch), events.on('keys:rejected', onRejected)];
  return () => off.forEach((unsubscribe) => unsubscribe());
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `850 ms`, `12 s`, `5 min`, `2 h`: rounded, for log lines. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
