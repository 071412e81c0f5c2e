import { describe, expect, it } from 'vitest';
import { jitteredTtlSeconds, shouldRefreshEarly } from './freshness';

describe('shouldRefreshEarly (XFetch)', () => {
  const now = 1_000_000;

  it('never refreshes early with beta 0', () => {
    expect(shouldRefreshEarly({ freshUntil: now + 1, delta: 10_000 }, now, 0, () => 1e-9)).toBe(false);
  });

  it('refreshes when the draw says the expiry is within reach of one reload', () => {
    // -delta * ln(r) = 100 * 2.3 = 230 ms ahead of now, expiry 200 ms ahead: refresh
    expect(shouldRefreshEarly({ freshUntil: now + 200, delta: 100 }, now, 1, () => 0.1)).toBe(true);
    // same draw, expiry 300 ms ahead: not yet
    expect(shouldRefreshEarly({ freshUntil: now + 300, delta: 100 }, now, 1, () => 0.1)).toBe(false);
  });

  it('refreshes more often as expiry approaches and as loads get more expensive', () => {
    const rate = (freshIn: number, delta: number) => {
      let seed = 1;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      let n = 0;
      for (let i = 0; i < 10_000; i++)
        if (shouldRefreshEarly({ freshUntil: now + freshIn, delta }, now, 1, random)) n++;
      return n / 10_000;
    };
    expect(rate(50, 100)).toBeGreaterThan(rate(500, 100));
    expect(rate(500, 1000)).toBeGreaterThan(rate(500, 100));
    expect(rate(10_000, 10)).toBe(0);
  });
});

describe('jitteredTtlSeconds', () => {
  it('stays within [ttl, ttl * (1 + ratio)] and the family maximum', () => {
    expect(jitteredTtlSeconds(900, 0.1, 3600, () => 0)).toBe(900);
    expect(jitteredTtlSeconds(900, 0.1, 3600, () => 0.999)).toBe(990);
    expect(jitteredTtlSeconds(900, 0.5, 1000, () => 0.999)).toBe(1000);
  });
});
