import { describe, expect, it } from 'vitest';
import { ProofReplayCache } from './dpop-replay.js';

describe('ProofReplayCache', () => {
  const key = (jti: string, jkt = 'k1', tenant = 't') => ({ tenant, jkt, jti });

  it('refuses a jti it still remembers for the same key and tenant, and forgets it at expiry', () => {
    const cache = new ProofReplayCache();
    expect(cache.add(key('a'), 1000, 0)).toBe(true);
    expect(cache.add(key('a'), 1000, 999)).toBe(false);
    expect(cache.add(key('a', 'k2'), 1000, 999)).toBe(true);
    expect(cache.add(key('a', 'k1', 'u'), 1000, 999)).toBe(true);
    expect(cache.add(key('a'), 2000, 1000)).toBe(true);
    expect(cache.size).toBe(1); // the other two expired at 1000 too
  });

  it('drops expired entries as time moves, and the oldest ones past its bound', () => {
    const cache = new ProofReplayCache(2);
    cache.add(key('a'), 100, 0);
    cache.add(key('b'), 200, 0);
    cache.add(key('c'), 300, 0);
    expect(cache.size).toBe(2);
    expect(cache.add(key('a'), 400, 50)).toBe(true);
    cache.add(key('d'), 500, 250);
    expect(cache.size).toBe(2);
    expect(cache.add(key('d'), 500, 260)).toBe(false);
  });
});
