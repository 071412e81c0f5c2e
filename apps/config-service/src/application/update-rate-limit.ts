import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from '@cpq/redis-runtime';

/** The contract's policy name: selection updates per user per minute. */
export const CONFIG_UPDATES_POLICY = 'config-updates';

/** Fixed window of one minute per user, fail-open: a rate Redis outage never blocks a configuration. */
export function configUpdatesPolicy(limitPerMinute: number): RateLimitPolicy {
  return {
    name: CONFIG_UPDATES_POLICY,
    scope: 'user',
    family: 'config-rate-limit',
    algorithm: 'fixed-window',
    limit: limitPerMinute,
    windowSeconds: 60,
    failureMode: { mode: 'open' },
  };
}

export class UpdateRateLimit {
  constructor(private readonly limiter: RateLimiter) {}

  check(tenantId: string, sub: string): Promise<RateLimitDecision> {
    return this.limiter.check(tenantId, [{ policy: CONFIG_UPDATES_POLICY, subject: sub }]);
  }
}
