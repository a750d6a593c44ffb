/** A value now, or later. The verify pipeline stays synchronous while nothing needs waiting for. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Applies `next` to a plain value at once, or after a promise settles. Each `await` on a plain
 * value would cost a microtask turn per request; this keeps a fresh-key verification synchronous.
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
