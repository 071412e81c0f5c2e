import { describe, expect, it } from 'vitest';
import { formatRatio, median, percentile, ratioOfRounds } from './bench-report';

describe('ratioOfRounds', () => {
  const rounds = { service: [80, 90, 100], plain: [100, 80, 100], pipelined: [90, 100, 125], other: [1, 1] };

  it('divides each round by the fastest baseline configuration of that round and takes the median', () => {
    const ratio = ratioOfRounds('service / best bare', rounds, 'service', ['plain', 'pipelined'], 0.85)!;
    expect(ratio.rounds).toEqual([0.8, 0.9, 0.8]);
    expect(ratio.value).toBe(0.8);
    expect(ratio.met).toBe(false);
    expect(ratio.denominatorPicks).toEqual(['plain', 'pipelined', 'pipelined']);
  });

  it('has no target, result or picks for a single reference baseline', () => {
    const ratio = ratioOfRounds('service / plain', rounds, 'service', ['plain'])!;
    expect(ratio).toEqual({
      name: 'service / plain',
      numerator: 'service',
      denominator: ['plain'],
      value: 1,
      rounds: [0.8, 1.125, 1],
    });
  });

  it('is undefined when a contender was left out of the run', () => {
    expect(ratioOfRounds('x', rounds, 'service', ['missing'])).toBeUndefined();
  });
});

describe('median and percentile', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('formatRatio', () => {
  it('shows two decimals unless rounding would cross the target', () => {
    expect(formatRatio(1.234)).toBe('1.23x');
    expect(formatRatio(0.796, 0.8)).toBe('0.796x');
    expect(formatRatio(0.79996, 0.8)).toBe('0.79996x');
    expect(formatRatio(0.8, 0.8)).toBe('0.80x');
    expect(formatRatio(0.804, 0.8)).toBe('0.80x');
  });
});
