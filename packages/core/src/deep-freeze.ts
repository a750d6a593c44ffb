/**
 * Freezes a parsed JSON value and everything inside it. Verified claims are handed out frozen:
 * a cache hit returns the same object to every request, so one handler that edits
 * `req.auth.claims` (adds a scope, say) must not change what the next request sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Indexed and keyed loops rather than Object.values: no array per object on the hot path.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        // Own members only: an enumerable member someone added to Object.prototype is not ours to freeze.
        if (!Object.hasOwn(record, key)) continue;
        const child = record[key];
        if (typeof child === 'object' && child !== null) deepFreeze(child);
      }
    }
  }
  return value;
}
