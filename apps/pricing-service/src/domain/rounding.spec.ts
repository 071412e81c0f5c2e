import { describe, expect, it } from 'vitest';
import { PriceOverflowError } from './pricing.errors';
import { applyBps, bpsShare, divRoundHalfEven, toSafeNumber } from './rounding';

describe('divRoundHalfEven', () => {
  it.each([
    [1n, 2n, 0n], // 0.5
    [3n, 2n, 2n], // 1.5
    [5n, 2n, 2n], // 2.5
    [7n, 2n, 4n], // 3.5
    [-1n, 2n, 0n], // -0.5
    [-3n, 2n, -2n], // -1.5
    [-5n, 2n, -2n], // -2.5
    [-7n, 2n, -4n], // -3.5
    [0n, 7n, 0n],
    [6n, 3n, 2n], // exact
    [4999n, 10_000n, 0n], // 0.4999
    [5001n, 10_000n, 1n], // 0.5001
    [-5001n, 10_000n, -1n], // -0.5001
    [14n, 10n, 1n], // 1.4
    [16n, 10n, 2n], // 1.6
  ])('%d / %d → %d', (numerator, denominator, expected) => {
    expect(divRoundHalfEven(numerator, denominator)).toBe(expected);
  });

  it('stays exact far beyond Number.MAX_SAFE_INTEGER', () => {
    // 10^30 + 5 000 over 10 000 = 10^26 + 0.5 → 10^26 (even)
    expect(divRoundHalfEven(10n ** 30n + 5000n, 10_000n)).toBe(10n ** 26n);
    // 10^30 + 15 000 over 10 000 = 10^26 + 1.5 → 10^26 + 2
    expect(divRoundHalfEven(10n ** 30n + 15_000n, 10_000n)).toBe(10n ** 26n + 2n);
  });

  it('refuses a non-positive denominator', () => {
    expect(() => divRoundHalfEven(1n, 0n)).toThrow(RangeError);
    expect(() => divRoundHalfEven(1n, -2n)).toThrow(RangeError);
  });
});

describe('bpsShare and applyBps', () => {
  it('takes basis points of an amount, rounded half-even', () => {
    expect(bpsShare(150_000n, 1340n)).toBe(20_100n); // 13.4 % of 150000
    expect(bpsShare(129_900n, -250n)).toBe(-3248n); // -3247.5 → -3248
    expect(bpsShare(3n, 5000n)).toBe(2n); // 1.5 → 2
    expect(bpsShare(5n, 5000n)).toBe(2n); // 2.5 → 2
  });

  it('adjusts an amount by signed basis points', () => {
    expect(applyBps(150_000n, -1340n)).toBe(129_900n);
    expect(applyBps(12_345n, 10_000n)).toBe(24_690n);
    expect(applyBps(12_345n, -10_000n)).toBe(0n);
    expect(applyBps(5n, 0n)).toBe(5n);
  });
});

describe('toSafeNumber', () => {
  it('converts values up to MAX_SAFE_INTEGER', () => {
    expect(toSafeNumber(9_007_199_254_740_991n, 'amount')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(0n, 'amount')).toBe(0);
  });

  it('throws PriceOverflowError with the step and the exact value above it', () => {
    expect(() => toSafeNumber(9_007_199_254_740_992n, 'amount')).toThrow(
      expect.objectContaining({ code: 'PRICING_OVERFLOW', step: 'amount', value: '9007199254740992' }),
    );
    expect(() => toSafeNumber(-9_007_199_254_740_992n, 'amount')).toThrow(PriceOverflowError);
  });
});
