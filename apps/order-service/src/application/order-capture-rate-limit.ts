import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from '@cpq/redis-runtime';

export const ORDER_CAPTURE_POLICY = 'order-capture';

/**
 * Capture attempts per API client per minute (fixed window), fail-open: when the rate Redis cannot be asked,
 * captures go on, since the durable idempotency record, not the limiter, protects order truth.
 */
export function orderCapturePolicy(limitPerMinute: number): RateLimitPolicy {
  return {
    name: ORDER_CAPTURE_POLICY,
    scope: 'client',
    family: 'order-capture-rate-limit',
    algorithm: 'fixed-window',
    limit: limitPerMinute,
    windowSeconds: 60,
    failureMode: { mode: 'open' },
  };
}

/** The capture route's limiter: one dimension, the API client (JWT `azp`, else `sub`). */
export class OrderCaptureRateLimit {
  constructor(private readonly limiter: RateLimiter) {}

  check(tenantId: string, client: string): Promise<RateLimitDecision> {
    return this.limiter.check(tenantId, [{ policy: ORDER_CAPTURE_POLICY, subject: client }]);
  }
}
