/** `base` with `overrides` applied: a value replaces, `undefined` removes. Used for headers and claims. */
export function withOverrides(
  base: Record<string, unknown>,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}
