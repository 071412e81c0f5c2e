import { describe, expect, it } from 'vitest';
import { InvalidRateLimitPolicyError, MissingTtlError } from '../errors';
import { platformKeyFamilyRegistry } from '../keys/platform-key-families';
import { compilePolicy, type RateLimitPolicy } from './rate-limit-policy';

const registry = platformKeyFamilyRegistry();
const base = {
  name: 'pricing-user',
  scope: 'user',
  family: 'pricing-rate-limit',
  failureMode: { mode: 'open' },
} as const;

describe('compilePolicy', () => {
  it('precomputes the script, header quota/window and ARGV group', () => {
    const p = compilePolicy({ ...base, algorithm: 'fixed-window', limit: 300, windowSeconds: 60 }, registry);
    expect(p).toMatchObject({ script: 'fixedWindow', limit: 300, windowSeconds: 60, argv: ['300', '60000'] });
    const bucket = compilePolicy(
      { ...base, algorithm: 'token-bucket', capacity: 20, refillPerSecond: 0.5 },
      registry,
    );
    expect(bucket).toMatchObject({
      script: 'tokenBucket',
      limit: 20,
      windowSeconds: 40,
      argv: ['20', '0.5'],
    });
  });

  it.each<[string, Partial<RateLimitPolicy>]>([
    ['a zero limit', { algorithm: 'fixed-window', limit: 0, windowSeconds: 1 }],
    ['a fractional limit', { algorithm: 'sliding-log', limit: 1.5, windowSeconds: 1 }],
    [
      'a sliding log above 10,000 per window (one member per unit: memory and script time)',
      { algorithm: 'sliding-log', limit: 10_001, windowSeconds: 60 },
    ],
    ['a sub-millisecond window', { algorithm: 'sliding-counter', limit: 1, windowSeconds: 0.0001 }],
    ['no refill', { algorithm: 'token-bucket', capacity: 5, refillPerSecond: 0 }],
    ['an unknown algorithm', { algorithm: 'leaky' as never, limit: 1, windowSeconds: 1 }],
    [
      'a negative insurance budget',
      {
        algorithm: 'fixed-window',
        limit: 1,
        windowSeconds: 1,
        failureMode: { mode: 'closed', insurance: { limit: -1, windowSeconds: 1 } },
      },
    ],
  ])('refuses %s', (_why, over) => {
    expect(() => compilePolicy({ ...base, ...over } as RateLimitPolicy, registry)).toThrow(
      InvalidRateLimitPolicyError,
    );
  });

  it('refuses a family that is not tenant-tagged (its dimensions could land in different cluster slots)', () => {
    expect(() =>
      compilePolicy(
        { ...base, family: 'price', algorithm: 'fixed-window', limit: 1, windowSeconds: 1 },
        registry,
      ),
    ).toThrow(/tenant-tagged/);
  });

  it('refuses a policy whose keys would outlive the family TTL range', () => {
    expect(() =>
      compilePolicy({ ...base, algorithm: 'token-bucket', capacity: 100, refillPerSecond: 0.0001 }, registry),
    ).toThrow(MissingTtlError);
  });
});
