import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { DPOP_NONCE_DEFAULTS, DpopNonces } from './dpop-nonce.js';

const T0 = 1_750_000_020_000; // a step boundary for 60 s steps

describe('DpopNonces', () => {
  it('issues one nonce per step and rotates it on the injected clock', () => {
    let now = T0;
    const nonces = new DpopNonces({ clock: () => now });
    const first = nonces.issue();
    now += 59_999;
    expect(nonces.issue()).toBe(first);
    now += 1;
    const second = nonces.issue();
    expect(second).not.toBe(first);
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(DPOP_NONCE_DEFAULTS.stepSec).toBe(60);
  });

  it('accepts the current and the previous step, nothing older, nothing forged', () => {
    let now = T0;
    const nonces = new DpopNonces({ clock: () => now });
    const issued = nonces.issue();
    expect(nonces.check(issued)).toBe(true);
    now += 60_000;
    expect([nonces.check(issued), nonces.check(nonces.issue())]).toEqual([true, true]);
    now += 60_000;
    expect(nonces.check(issued)).toBe(false);
    expect(nonces.check('')).toBe(false);
    expect(nonces.check(`${issued}x`)).toBe(false);
    expect(nonces.check(undefined as unknown as string)).toBe(false);
  });

  it('gives the same nonces to every replica sharing a secret, and different ones otherwise', () => {
    const secret = 's'.repeat(32);
    const a = new DpopNonces({ secret, clock: () => T0 });
    const b = new DpopNonces({ secret: Buffer.from(secret), clock: () => T0 });
    const other = new DpopNonces({ clock: () => T0 });
    expect(b.check(a.issue())).toBe(true);
    expect(other.check(a.issue())).toBe(false);
  });

  it('answers for an explicit time independently of its memo (clock going backwards)', () => {
    const nonces = new DpopNonces({ secret: 's'.repeat(32), stepSec: 10 });
    const early = nonces.issue(T0);
    const late = nonces.issue(T0 + 100_000);
    expect([
      nonces.check(early, T0 + 5_000),
      nonces.check(late, T0 + 5_000),
      nonces.check(early, T0 + 100_000),
    ]).toEqual([true, false, false]);
  });

  it('refuses a short secret and a bad step at construction, naming both', () => {
    let caught: unknown;
    try {
      new DpopNonces({ secret: 'short', stepSec: 0.5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).options).toEqual(['dpop.nonce.secret', 'dpop.nonce.stepSec']);
    expect(() => new DpopNonces({ secret: 42 as never })).toThrow(ConfigError);
  });
});
