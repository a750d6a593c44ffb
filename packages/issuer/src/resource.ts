/**
 * RFC 8707 §2: a resource indicator is an absolute URI without a fragment (a query is allowed,
 * though discouraged). Compared as strings, exactly as configured.
 */
export function isResourceIndicator(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.includes('#')) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
