import { describe, expect, it } from 'vitest';
import { KidCooldown } from './kid-cooldown.js';

const T0 = 1_000_000;

describe('KidCooldown', () => {
  it('lets one unknown kid refetch, then refuses every other until the cooldown ends', () => {
    const cooldown = new KidCooldown(10_000);
    expect(cooldown.active(T0)).toBe(false);
    expect(cooldown.tryStart(T0)).toBe(true);
    expect([cooldown.tryStart(T0), cooldown.tryStart(T0 + 5000), cooldown.tryStart(T0 + 9999)]).toEqual([
      false,
      false,
      false,
    ]);
    expect(cooldown.active(T0 + 9999)).toBe(true);
    expect(cooldown.active(T0 + 10_000)).toBe(false);
    expect(cooldown.tryStart(T0 + 10_000)).toBe(true);
    expect(cooldown.active(T0 + 10_001)).toBe(true);
  });

  it('cancel() reopens at once after a failed refetch, but never ends a later cooldown', () => {
    const cooldown = new KidCooldown(10_000);
    cooldown.tryStart(T0);
    cooldown.cancel(T0);
    expect(cooldown.tryStart(T0 + 1)).toBe(true);
    // A late cancel for the first start leaves the cooldown started at T0 + 1 running.
    cooldown.cancel(T0);
    expect(cooldown.active(T0 + 2)).toBe(true);
    expect(cooldown.tryStart(T0 + 2)).toBe(false);
  });

  it('a cooldown of 0 refetches for every unknown kid', () => {
    const cooldown = new KidCooldown(0);
    expect([cooldown.tryStart(T0), cooldown.tryStart(T0), cooldown.active(T0)]).toEqual([true, true, false]);
  });
});
