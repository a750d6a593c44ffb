/**
 * Freezes a parsed JSON value and everything inside it. Verified claims are handed out frozen:
 * a cache hit returns the same object to every request, so one handler that edits
 * `req.auth.claims` (adds a scope, say) must not change what the next request sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
