import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles per consecutive failure up to the cap', () => {
    const upper = (failures: number) => backoffDelay(failures, { initialMs: 100, maxMs: 1000 }, () => 1);
    expect([1, 2, 3, 4, 5, 50].map(upper)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffDelay(3, { initialMs: 100, maxMs: 1000 }, () => 0)).toBe(200);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, { initialMs: 100, maxMs: 1000 });
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
