// Shared by this package's tests only; not part of the published entry points.
import { onTestFinished } from 'vitest';
import { createIssuer, type Issuer } from './issuer.js';
import type { IssuerOptions } from './options.js';

export const DAY_MS = 86_400_000;

/** Rejects when `promise` takes longer than `ms`, naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts an issuer with a start-up timeout and closes it when the current test ends. The timeout
 * is there because key generation has hung at start-up before (see `keys.ts`): a hang must fail
 * its test quickly, not stall the suite until the hook timeout.
 */
export async function startIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  // A handler error is a bug even when the client got its 500, so it fails the test.
  const errors: unknown[] = [];
  const issuer = await withTimeout(
    createIssuer({ onError: (error) => errors.push(error), ...options }),
    10_000,
    'issuer start',
  );
  onTestFinished(async () => {
    await issuer.close();
    if (errors.length > 0) throw new AggregateError(errors, 'the issuer reported request handler errors');
  });
  return issuer;
}

/** Starts an issuer for a whole file (`beforeAll`); the caller closes it in `afterAll`. */
export function startSharedIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  return withTimeout(createIssuer(options), 10_000, 'issuer start');
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
