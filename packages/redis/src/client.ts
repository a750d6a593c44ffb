import type { RedisClientType } from 'redis';
import { RedisUnavailableError, type RedisOperation } from './errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyClient = RedisClientType<any, any, any, any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * A node-redis (`redis` 5.12 or later) connection you create, configure, connect and close
 * yourself: a single node (`createClient`), Sentinel (`createSentinel`) or Cluster
 * (`createCluster`), with any modules, scripts, RESP version or type mapping. tollgate runs its
 * commands on it and never closes it; for pub/sub it opens its own `duplicate()`, which it closes.
 *
 * Typed as the node-redis members tollgate uses (the generic client types are invariant in
 * their modules, so a union of them would refuse most real clients).
 */
export type RedisConnection = Pick<AnyClient, 'set' | 'eval' | 'subscribe' | 'isReady'> & {
  duplicate(...args: never[]): unknown;
  connect(): Promise<unknown>;
  destroy(): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
};

type Listener = (message: string, channel: string) => unknown;

/**
 * The few commands tollgate uses, identical on all three connection kinds. Replies are read
 * defensively (strings or Buffers, arrays from Lua), so a custom type mapping cannot confuse them.
 */
export interface Commands {
  readonly isReady: boolean;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  subscribe(channel: string, listener: Listener): Promise<void>;
  duplicate(overrides?: Record<string, unknown>): Commands;
  connect(): Promise<unknown>;
  destroy(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export function commands(connection: RedisConnection): Commands {
  return connection as unknown as Commands;
}

/** True for a Cluster connection (its pub/sub duplicate should not connect to every master). */
export function isCluster(connection: Commands): boolean {
  return typeof (connection as { getMasters?: unknown }).getMasters === 'function';
}

/**
 * Runs `start()` unless the connection is down, bounded by `timeoutMs`: a down or slow Redis
 * answers with a `RedisUnavailableError`, never a wait. The bound is on Redis, not on this
 * process: an answer that arrived in time is taken even when a blocked event loop reads it late. When the connection is not ready the
 * command is never sent, so nothing queues in the client while Redis is away.
 */
export function bounded<T>(
  connection: Commands,
  operation: RedisOperation,
  timeoutMs: number,
  start: () => Promise<T>,
): Promise<T> {
  if (!connection.isReady) {
    return Promise.reject(
      new RedisUnavailableError(
        operation,
        'not-connected',
        `Redis is not connected, so the ${operation} could not be done.`,
      ),
    );
  }
  return new Promise<T>((resolve, reject) => {
    // The rejection waits for the poll phase that follows the timer: after the event loop was
    // blocked (a busy process), the expired timer runs before the socket is read, and an answer
    // Redis gave in time, already waiting in the buffer, would be counted as a timeout.
    const timer = setTimeout(() => {
      setImmediate(() =>
        reject(
          new RedisUnavailableError(
            operation,
            'timeout',
            `Redis did not answer the ${operation} within ${timeoutMs} ms.`,
          ),
        ),
      );
    }, timeoutMs);
    start().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(
          new RedisUnavailableError(
            operation,
            'error',
            `Redis refused or failed the ${operation}: ${errorText(error)}.`,
            { cause: error },
          ),
        );
      },
    );
  });
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[\r\n]+/g, ' ').slice(0, 300) || 'unknown error';
}

/** A reply element as text: node-redis gives strings, or Buffers under a type mapping. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return undefined;
}
