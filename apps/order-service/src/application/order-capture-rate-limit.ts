import { ProblemError, ProblemType } from '@cpq/platform';
import {
  rateLimitHeaders,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from '@cpq/redis-runtime';

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

/** 429 `quota-exceeded` with `violated-policies` and the RateLimit headers. */
export function quotaExceeded(decision: RateLimitDecision): ProblemError {
  return new ProblemError({
    type: ProblemType.quotaExceeded,
    title: 'Quota exceeded',
    status: 429,
    detail: `rate limit exceeded: ${decision.violated.join(', ')}`,
    extensions: { 'violated-policies': decision.violated },
    headers: { ...rateLimitHeaders(decision) } as Record<string, string>,
  });
}
