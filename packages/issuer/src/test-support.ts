// Test support, not part of the published entry points: this package's tests use it directly, and
// the cross-package fixture in test/support/issuer.ts builds on startSharedIssuer() and withTimeout().
import { onTestFinished } from 'vitest';
import { createIssuer, type Issuer } from './issuer.js';
import type { IssuerOptions } from './options.js';

export const DAY_MS = 86_400_000;
/** Default start-up timeout of the issuer and of test servers. */
export const START_TIMEOUT_MS = 10_000;

/**
 * Rejects when `promise` takes longer than `ms`, naming `what`. If the promise settles after the
 * timeout, `onLate` receives its value so a late-starting server is still shut down.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onLate?: (value: T) => unknown,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`${what} did not finish within ${ms} ms`));
    }, ms);
  });
  promise.then(
    (value) => {
      if (timedOut) void Promise.resolve(onLate?.(value)).catch(() => undefined);
    },
    () => undefined,
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts an issuer with a start-up timeout; the caller closes it (usually in `afterAll`). The one
 * implementation of starting an issuer in tests: `startIssuer()` below and the cross-package
 * fixture in `test/support/issuer.ts` are built on it. The timeout is there because key generation
 * has hung at start-up before (see `keys.ts`): a hang must fail its test quickly, not stall the
 * suite until the hook timeout. An issuer that starts after the timeout is closed.
 */
export function startSharedIssuer(options: IssuerOptions = {}, startTimeoutMs = START_TIMEOUT_MS): Promise<Issuer> {
  return withTimeout(createIssuer(options), startTimeoutMs, 'issuer start', (late) => late.close());
}

/**
 * Starts an issuer for the current test only: it is closed when the test ends, and a request
 * handler error fails the test (a handler error is a bug even when the client got its 500).
 */
export async function startIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  const errors: unknown[] = [];
  const issuer = await startSharedIssuer({ onError: (error) => errors.push(error), ...options });
  onTestFinished(async () => {
    await issuer.close();
    if (errors.length > 0) throw new AggregateError(errors, 'the issuer reported request handler errors');
  });
  return issuer;
}

/** Decodes a JWT part without verifying anything. */
export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index];
  if (part === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Form-encodes a token request body. */
export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
