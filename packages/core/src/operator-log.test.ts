import { describe, expect, it } from 'vitest';
import { EventHub, type VerifierEvents } from './events.js';
import { attachOperatorLog, LOG_INTERVAL_MS, type VerifierLogger } from './operator-log.js';

const JWKS = 'https://auth.example.com/jwks.json';
const failed = (error: string, status?: number, url = JWKS): VerifierEvents['fetch'] => ({
  kind: 'jwks',
  url,
  durationMs: 3,
  status,
  outcome: 'error',
  error,
});
const updated = (url = JWKS): VerifierEvents['fetch'] => ({
  kind: 'jwks',
  url,
  durationMs: 3,
  status: 200,
  outcome: 'updated',
});

function setUp(logger?: VerifierLogger) {
  const events = new EventHub();
  const lines: string[] = [];
  let now = 1_000_000;
  const log = logger ?? { warn: (m: string) => lines.push(`warn ${m}`), info: (m: string) => lines.push(`info ${m}`) };
  const detach = attachOperatorLog(events, log, { clock: () => now });
  return {
    events,
    lines,
    detach,
    advance: (ms: number) => (now += ms),
  };
}

describe('attachOperatorLog', () => {
  it('warns once with the cause when a JWKS starts failing, not once per attempt', () => {
    const { events, lines, advance } = setUp();
    for (let i = 0; i < 20; i++) {
      events.emit('fetch', failed(`${JWKS} answered HTTP 404`, 404));
      advance(1000);
    }
    expect(lines).toEqual([
      `warn tollgate: the JWKS could not be fetched: ${JWKS} answered HTTP 404. Check the URL: the server has no document at this path. ` +
        'Tokens whose keys are not cached are refused with 503 until a fetch succeeds; retries continue with backoff. Next report about this URL in 5 min at the earliest.',
    ]);
  });

  it('reminds at most once per interval while the failure lasts, counting the attempts in between', () => {
    const { events, lines, advance } = setUp();
    events.emit('fetch', failed('request to x failed: ECONNREFUSED'));
    advance(LOG_INTERVAL_MS - 1);
    events.emit('fetch', failed('request to x failed: ECONNREFUSED'));
    expect(lines).toHaveLength(1);
    advance(1);
    events.emit('fetch', failed('request to x failed: ECONNREFUSED'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^warn tollgate: the JWKS at ${JWKS} still cannot be fetched \\(2 failed attempts in the last 5 min\\): request to x failed: ECONNREFUSED\\. Tokens whose`,
      ),
    );
  });

  it('says once when the URL works again, with how long it failed', () => {
    const { events, lines, advance } = setUp();
    events.emit('fetch', failed('boom'));
    advance(30_000);
    events.emit('fetch', failed('boom'));
    advance(15_000);
    events.emit('fetch', updated());
    events.emit('fetch', updated());
    expect(lines.slice(1)).toEqual([
      `info tollgate: the JWKS at ${JWKS} answers again, after 2 failed attempts over 45 s.`,
    ]);
  });

  it('names OIDC discovery and keeps URLs apart', () => {
    const { events, lines } = setUp();
    const discovery = 'https://auth.example.com/.well-known/openid-configuration';
    events.emit('fetch', {
      kind: 'discovery',
      url: discovery,
      durationMs: 1,
      status: undefined,
      outcome: 'error',
      error: 'request failed: ENOTFOUND',
    });
    events.emit('fetch', failed('boom', 500, 'https://other.example/jwks'));
    expect(lines.map((line) => line.slice(0, line.indexOf(' could not')))).toEqual([
      `warn tollgate: the OIDC discovery at ${discovery}`,
      'warn tollgate: the JWKS at https://other.example/jwks',
    ]);
  });

  it('keeps a flapping URL within one warning per interval, and says nothing about a recovery it did not warn about', () => {
    const { events, lines, advance } = setUp();
    events.emit('fetch', failed('boom'));
    events.emit('fetch', updated());
    for (let i = 0; i < 5; i++) {
      advance(10_000);
      events.emit('fetch', failed('boom'));
      events.emit('fetch', updated());
    }
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^warn tollgate: the JWKS at \S+ could not be fetched: boom\./);
    expect(lines[1]).toMatch(/^info tollgate: the JWKS .* answers again, after 1 failed attempt over 0 ms\.$/);
    advance(LOG_INTERVAL_MS);
    events.emit('fetch', failed('boom'));
    expect(lines).toHaveLength(3);
  });

  it('reports keys a JWKS holds that will not be used, once per interval', () => {
    const { events, lines, advance } = setUp();
    const rejected: VerifierEvents['keys:rejected'] = {
      jwksUri: JWKS,
      rejected: [
        { kid: 'k1', reason: 'symmetric' },
        { kid: undefined, reason: 'private-material' },
      ],
    };
    events.emit('keys:rejected', rejected);
    events.emit('keys:rejected', rejected);
    expect(lines).toEqual([
      `warn tollgate: the JWKS at ${JWKS} has 2 keys that will not be used: kid "k1" (symmetric), a key without kid (private-material). Tokens signed with them are refused.`,
    ]);
    advance(LOG_INTERVAL_MS);
    events.emit('keys:rejected', rejected);
    expect(lines).toHaveLength(2);
  });

  it('falls back to warn for a logger without info, and stops when detached', () => {
    const warned: string[] = [];
    const { events, detach } = setUp({ warn: (m) => warned.push(m) });
    events.emit('fetch', failed('boom'));
    events.emit('fetch', updated());
    expect(warned).toHaveLength(2);
    expect(warned[0]).toMatch(/^tollgate: the JWKS at \S+ could not be fetched/);
    expect(warned[1]).toMatch(/^tollgate: the JWKS at .* answers again/);
    detach();
    events.emit('fetch', failed('boom', undefined, 'https://third.example/jwks'));
    expect(warned).toHaveLength(2);
    expect(events.has('fetch')).toBe(false);
  });
});
