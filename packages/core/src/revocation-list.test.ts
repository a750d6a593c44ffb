import { describe, expect, it } from 'vitest';
import { RevocationList, isRevocationRule } from './revocation-list.js';
import {
  REVOCATION_DEFAULTS,
  revocationRuleId,
  revokedError,
  toRevocationRule,
  type RevocationRule,
} from './revocation.js';
import { ERROR_HTTP } from './http-mapping.js';
import { isTollgateError } from './errors.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const HOUR = 3_600_000;
const MARGIN = REVOCATION_DEFAULTS.expiryMarginMs;
const sec = (ms: number) => Math.floor(ms / 1000);

function clock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('toRevocationRule', () => {
  it('keeps a jti rule until the token exp plus the margin', () => {
    expect(toRevocationRule({ jti: 'j1', exp: sec(T0) + 600 }, T0)).toEqual({
      kind: 'jti',
      jti: 'j1',
      expiresAtMs: (sec(T0) + 600) * 1000 + MARGIN,
    });
  });

  it('gives subject and client rules a lifetime after their cut-off', () => {
    expect(toRevocationRule({ sub: 'alice' }, T0)).toEqual({
      kind: 'sub',
      sub: 'alice',
      issuedBeforeMs: T0,
      expiresAtMs: T0 + REVOCATION_DEFAULTS.ruleLifetimeMs + MARGIN,
    });
    const before = new Date(T0 - HOUR);
    expect(
      toRevocationRule({ clientId: 'app', before, iss: 'https://i.example', lifetimeMs: HOUR }, T0, {
        expiryMarginMs: 0,
      }),
    ).toEqual({
      kind: 'client',
      clientId: 'app',
      iss: 'https://i.example',
      issuedBeforeMs: T0 - HOUR,
      expiresAtMs: T0,
    });
    expect(toRevocationRule({ sub: 'bob' }, T0, { ruleLifetimeMs: 2 * HOUR, expiryMarginMs: 1000 }).expiresAtMs).toBe(
      T0 + 2 * HOUR + 1000,
    );
  });

  it('refuses malformed requests with a sentence naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ jti: 'j' }, /"exp"/],
      [{ jti: 'j', exp: Number.NaN }, /"exp"/],
      [{ jti: '', exp: 1 }, /"jti"/],
      [{ sub: 'x'.repeat(REVOCATION_DEFAULTS.maxValueLength + 1) }, /"sub"/],
      [{ sub: 'a', before: new Date(Number.NaN) }, /"before"/],
      [{ sub: 'a', before: T0 }, /"before"/],
      [{ sub: 'a', lifetimeMs: -1 }, /"lifetimeMs"/],
      [{ sub: 'a', iss: '' }, /"iss"/],
      [{ sub: 'a', clientId: 'b' }, /exactly one/],
      [{}, /exactly one/],
      [null, /object/],
    ];
    for (const [request, message] of bad)
      expect(() => toRevocationRule(request as never, T0), JSON.stringify(request)).toThrow(message);
  });
});

describe('revocationRuleId', () => {
  it('is unambiguous across kinds, issuers and separators', () => {
    const ids = [
      revocationRuleId({ sub: 'a:b' }),
      revocationRuleId({ sub: 'a', iss: 'b' }),
      revocationRuleId({ jti: 'a:b' }),
      revocationRuleId({ clientId: 'a:b' }),
      revocationRuleId({ sub: 'a:b', iss: 'https://x' }),
    ];
    expect(ids).toEqual(['sub::a%3Ab', 'sub:b:a', 'jti::a%3Ab', 'client::a%3Ab', 'sub:https%3A%2F%2Fx:a%3Ab']);
    expect(revocationRuleId(toRevocationRule({ sub: 'a:b' }, T0))).toBe(ids[0]);
  });
});

describe('RevocationList', () => {
  const token = (claims: Record<string, unknown>) => ({
    iss: 'https://i.example',
    sub: 'alice',
    iat: sec(T0) - 60,
    exp: sec(T0) + 600,
    jti: 't1',
    ...claims,
  });

  it('matches nothing when empty', () => {
    const list = new RevocationList();
    expect(list.revoked(token({}), T0)).toBeUndefined();
    expect(list.state()).toEqual({ status: 'ok', rules: 0, syncedAt: null, degradedSince: null, lastError: undefined });
  });

  it('refuses a revoked jti until the rule expires, and only that jti', () => {
    const c = clock();
    const list = new RevocationList({ clock: c.now, expiryMarginMs: 0 });
    const rule = list.revoke({ jti: 't1', exp: sec(T0) + 600 });
    expect(list.revoked(token({}), T0)).toEqual(rule);
    expect(list.revoked(token({ jti: 't2' }), T0)).toBeUndefined();
    expect(list.revoked(token({ jti: 't1' }), (sec(T0) + 600) * 1000 - 1)).toEqual(rule);
    expect(list.revoked(token({ jti: 't1' }), (sec(T0) + 600) * 1000)).toBeUndefined();
  });

  it("refuses a subject's tokens issued before the cut-off, and tokens without iat", () => {
    const list = new RevocationList({ clock: () => T0 + 500 });
    const rule = list.revoke({ sub: 'alice' });
    expect(list.revoked(token({ iat: sec(T0) - 1 }), T0)).toEqual(rule);
    // Same second as the cut-off (T0 + 0.5 s): iat has one-second resolution, so a token issued
    // in that second, before or after the cut-off, is refused.
    expect(list.revoked(token({ iat: sec(T0) }), T0 + 5000)).toEqual(rule);
    expect(list.revoked(token({ iat: sec(T0) + 1 }), T0 + 5000)).toBeUndefined();
    expect(list.revoked(token({ iat: undefined }), T0)).toEqual(rule);
    expect(list.revoked(token({ iat: 'yesterday' }), T0)).toEqual(rule);
    expect(list.revoked(token({ sub: 'bob' }), T0)).toBeUndefined();
  });

  it('refuses a client by client_id or azp', () => {
    const list = new RevocationList({ clock: () => T0 });
    const rule = list.revoke({ clientId: 'app' });
    expect(list.revoked(token({ client_id: 'app' }), T0)).toEqual(rule);
    expect(list.revoked(token({ azp: 'app' }), T0)).toEqual(rule);
    expect(list.revoked(token({ client_id: 'other', azp: 'app' }), T0)).toEqual(rule);
    expect(list.revoked(token({ client_id: 'other' }), T0)).toBeUndefined();
    expect(list.revoked(token({ client_id: 'app', iat: sec(T0) + 1 }), T0 + 2000)).toBeUndefined();
  });

  it('scopes a rule to one issuer when it names one', () => {
    const list = new RevocationList({ clock: () => T0 });
    const scoped = list.revoke({ sub: 'alice', iss: 'https://i.example' });
    expect(list.revoked(token({}), T0)).toEqual(scoped);
    expect(list.revoked(token({ iss: 'https://other.example' }), T0)).toBeUndefined();
    expect(list.revoked(token({ iss: undefined }), T0)).toBeUndefined();
    const everywhere = list.revoke({ sub: 'alice' });
    expect(list.revoked(token({ iss: 'https://other.example' }), T0)).toEqual(everywhere);
    expect(list.size).toBe(2);
  });

  it('extends a rule named twice, never narrows it', () => {
    const c = clock();
    const list = new RevocationList({ clock: c.now });
    const first = list.revoke({ sub: 'alice' });
    c.advance(HOUR);
    const later = list.revoke({ sub: 'alice' });
    expect(later).toEqual({ ...first, issuedBeforeMs: T0 + HOUR, expiresAtMs: first.expiresAtMs + HOUR });
    expect(list.revoke({ sub: 'alice', before: new Date(T0 - HOUR) })).toEqual(later);
    expect(list.list()).toEqual([later]);
    const jti = list.revoke({ jti: 'j', exp: sec(T0) + 600 });
    expect(list.revoke({ jti: 'j', exp: sec(T0) + 60 })).toEqual(jti);
  });

  it('unrevokes exactly the named rule', () => {
    const list = new RevocationList({ clock: () => T0 });
    list.revoke({ sub: 'alice' });
    const scoped = list.revoke({ sub: 'alice', iss: 'https://i.example' });
    expect(list.unrevoke({ sub: 'alice' })).toBe(true);
    expect(list.unrevoke({ sub: 'alice' })).toBe(false);
    expect(list.unrevoke({ clientId: 'alice' })).toBe(false);
    expect(list.list()).toEqual([scoped]);
    expect(list.unrevoke({ sub: 'alice', iss: 'https://i.example' })).toBe(true);
    expect([list.size, list.revoked(token({}), T0)]).toEqual([0, undefined]);
  });

  it('drops expired rules when they fall due, on the injected clock', () => {
    const c = clock();
    const list = new RevocationList({ clock: c.now, expiryMarginMs: 0, ruleLifetimeMs: HOUR });
    list.revoke({ jti: 'short', exp: sec(T0) + 60 });
    list.revoke({ sub: 'alice' });
    list.revoke({ clientId: 'app', iss: 'https://i.example' });
    expect(list.prune()).toBe(0);
    c.advance(60_000);
    expect(list.state().rules).toBe(2);
    c.advance(HOUR);
    expect(list.list()).toEqual([]);
    expect(list.state().rules).toBe(0);
  });

  it('refuses a revocation past maxRules instead of evicting one, after dropping expired rules', () => {
    const c = clock();
    const list = new RevocationList({ clock: c.now, maxRules: 2, expiryMarginMs: 0 });
    list.revoke({ jti: 'a', exp: sec(T0) + 10 });
    list.revoke({ jti: 'b', exp: sec(T0) + 100 });
    expect(() => list.revoke({ jti: 'c', exp: sec(T0) + 100 })).toThrow(RangeError);
    // Extending a rule already held is not a new rule.
    list.revoke({ jti: 'b', exp: sec(T0) + 200 });
    c.advance(10_000);
    list.revoke({ jti: 'c', exp: sec(T0) + 100 });
    expect(
      list
        .list()
        .map((r) => (r as { jti: string }).jti)
        .sort(),
    ).toEqual(['b', 'c']);
  });

  it('adds complete rules from elsewhere, keeping only their own fields', () => {
    const list = new RevocationList();
    const rule = {
      kind: 'client',
      clientId: 'app',
      issuedBeforeMs: T0,
      expiresAtMs: T0 + HOUR,
      extra: 'x',
    } as unknown as RevocationRule;
    expect(list.add(rule)).toEqual({ kind: 'client', clientId: 'app', issuedBeforeMs: T0, expiresAtMs: T0 + HOUR });
    expect(() => list.add({ kind: 'sub', sub: 'a', expiresAtMs: T0 } as never)).toThrow(TypeError);
    expect(isRevocationRule({ kind: 'jti', jti: 'a', expiresAtMs: 1 })).toBe(true);
    expect(isRevocationRule({ kind: 'jti', jti: 'a', expiresAtMs: '1' })).toBe(false);
    expect(isRevocationRule({ kind: 'nope', expiresAtMs: 1 })).toBe(false);
  });

  it('checks its options at construction', () => {
    expect(() => new RevocationList({ maxRules: 0 })).toThrow(/maxRules/);
    expect(() => new RevocationList({ ruleLifetimeMs: Number.NaN })).toThrow(/ruleLifetimeMs/);
  });
});

describe('revokedError', () => {
  it('is ERR_TOKEN_REVOKED, 401 invalid_token, without the matched values', () => {
    const error = revokedError({ kind: 'sub', sub: 'alice@example.com', issuedBeforeMs: T0, expiresAtMs: T0 + HOUR });
    expect([error.code, error.status, error.bearerError, isTollgateError(error)]).toEqual([
      'ERR_TOKEN_REVOKED',
      401,
      'invalid_token',
      true,
    ]);
    expect(ERROR_HTTP.ERR_TOKEN_REVOKED).toEqual({ status: 401, bearerError: 'invalid_token' });
    expect(error.message).toBe('Token has been revoked: tokens of its subject issued before a set time were revoked.');
    expect(error.message).not.toContain('alice');
  });
});
