import { describe, expect, it } from 'vitest';
import { combineDecisions } from './rate-limit-decision';
import { rateLimitHeaders } from './rate-limit-headers';

const base = { limit: 100, windowSeconds: 60, source: 'redis' as const };

describe('rateLimitHeaders', () => {
  it('formats the contract fields for an allowed request, without Retry-After', () => {
    const d = combineDecisions(
      [
        {
          ...base,
          policy: 'pricing-user',
          allowed: true,
          remaining: 41,
          resetSeconds: 17,
          retryAfterSeconds: 0,
        },
      ],
      'redis',
    );
    expect(rateLimitHeaders(d)).toEqual({
      'RateLimit-Policy': '"pricing-user";q=100;w=60',
      RateLimit: '"pricing-user";r=41;t=17',
    });
  });

  it('adds Retry-After and describes the violated policy on a rejection', () => {
    const d = combineDecisions(
      [
        {
          ...base,
          policy: 'pricing-tenant',
          allowed: true,
          remaining: 3,
          resetSeconds: 50,
          retryAfterSeconds: 0,
        },
        {
          ...base,
          policy: 'pricing-user',
          limit: 5,
          windowSeconds: 10,
          allowed: false,
          remaining: 0,
          resetSeconds: 9,
          retryAfterSeconds: 9,
        },
      ],
      'redis',
    );
    expect(rateLimitHeaders(d)).toEqual({
      'RateLimit-Policy': '"pricing-user";q=5;w=10',
      RateLimit: '"pricing-user";r=0;t=9',
      'Retry-After': '9',
    });
  });
});
