/**
 * Freezes a parsed JSON value and everything inside it. Verified claims are handed out frozen:
 * a cache hit returns the same object to every request, so one handler that edits
 * `req.auth.claims` (adds a scope, say) must not change what the next request sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Own enumerable members, like Object.values, but only objects are visited (primitives are most claims).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const child = record[keys[i]!];
        if (typeof child === 'object' && child !== null) deepFreeze(child);
      }
    }
  }
  return value;
}
