import { describe, expect, it } from 'vitest';
import { requireClaims, requireScopes } from './guards.js';
import type { VerifiedToken } from './verifier.js';

describe('guards', () => {
  const auth = (claims: Record<string, unknown>) => ({ claims }) as VerifiedToken;
  it('requireScopes reads the scope string and the scp array', () => {
    expect(() => requireScopes('a', 'b')(auth({ scope: 'a b c' }))).not.toThrow();
    expect(() => requireScopes('a b')(auth({ scp: ['a', 'b'] }))).not.toThrow();
    expect(() => requireScopes('a')(auth({ scope: 'ab' }))).toThrow(
      expect.objectContaining({ code: 'ERR_CLAIM_SCOPE_INSUFFICIENT', status: 403 }),
    );
    expect(() => requireScopes('a')(undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_MISSING', status: 401 }),
    );
  });

  it('requireClaims refuses with 403 when the predicate is not true', async () => {
    const admin = requireClaims((c) => c.role === 'admin');
    await expect(admin(auth({ role: 'admin' }))).resolves.toBeUndefined();
    await expect(admin(auth({ role: 'user' }))).rejects.toMatchObject({
      code: 'ERR_CLAIM_FORBIDDEN',
      status: 403,
      bearerError: 'insufficient_scope',
    });
  });
});
