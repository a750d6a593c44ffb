// The in-process contenders, in table order. Each file in ../contenders exports
// `info` (label, algorithms, what it checks) and `setup(ctx)` returning `{ verify(token) }`.
export const CONTENDERS = [
  'floor',
  'tollgate',
  'tollgate-cache',
  'fast-jwt',
  'fast-jwt-cache',
  'aws-jwt-verify',
  'jose-local',
  'jose-remote',
  'jsonwebtoken',
  'fast-jwt-get-jwks',
  // A/B of a patched core build, only when TOLLGATE_BENCH_ALT points at its dist/index.mjs.
  ...(process.env.TOLLGATE_BENCH_ALT ? ['tollgate-alt', 'tollgate-alt-cache'] : []),
];

export async function loadContender(id) {
  return import(new URL(`../contenders/${id}.mjs`, import.meta.url).href);
}

/** What a verify call resolved to, normalised to the claims (tollgate wraps them in `{ claims }`). */
export function claimsOf(result) {
  if (result && typeof result === 'object' && 'claims' in result && 'alg' in result) return result.claims;
  if (result && typeof result === 'object' && 'payload' in result && 'protectedHeader' in result) return result.payload;
  return result;
}

/**
 * Proves a contender does the full job before it is timed: a valid token is accepted
 * with its claims, and a wrong audience, wrong issuer, expired token and bad signature
 * are each refused. Returns `{ ok, cases: { name: 'accepted' | 'refused' | message } }`.
 */
export async function validateContender(verify, tokens) {
  const cases = {};
  let ok = true;
  try {
    const claims = claimsOf(await verify(tokens.distinct[0]));
    cases.valid =
      claims && claims.sub === 'user-0'
        ? 'accepted'
        : `accepted without its claims (${JSON.stringify(claims)?.slice(0, 60)})`;
    if (cases.valid !== 'accepted') ok = false;
  } catch (error) {
    cases.valid = `refused: ${error?.code ?? ''} ${String(error?.message ?? error).slice(0, 80)}`;
    ok = false;
  }
  for (const [name, token] of Object.entries(tokens.invalid)) {
    try {
      await verify(token);
      cases[name] = 'ACCEPTED';
      ok = false;
    } catch {
      cases[name] = 'refused';
    }
  }
  return { ok, cases };
}
