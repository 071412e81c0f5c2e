import { ProblemError, ProblemType } from '@cpq/platform';
import {
  rateLimitHeaders,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from '@cpq/redis-runtime';

export const PRICING_TENANT_POLICY = 'pricing-tenant';
export const PRICING_USER_POLICY = 'pricing-user';

export interface PricingLimits {
  tenantLimitPerMinute: number;
  userLimitPerMinute: number;
}

export interface PricingRateLimitSettings extends PricingLimits {
  /** Per subject and process while Redis is unavailable (fail-closed). */
  insurance: { limit: number; windowSeconds: number };
}

/** The two fixed-window policies of the calculate route, both fail-closed with a local insurance budget. */
export function pricingRateLimitPolicies(settings: PricingRateLimitSettings): RateLimitPolicy[] {
  const failureMode = { mode: 'closed', insurance: settings.insurance } as const;
  return [
    {
      name: PRICING_TENANT_POLICY,
      scope: 'tenant',
      family: 'pricing-rate-limit',
      algorithm: 'fixed-window',
      limit: settings.tenantLimitPerMinute,
      windowSeconds: 60,
      failureMode,
    },
    {
      name: PRICING_USER_POLICY,
      scope: 'user',
      family: 'pricing-rate-limit',
      algorithm: 'fixed-window',
      limit: settings.userLimitPerMinute,
      windowSeconds: 60,
      failureMode,
    },
  ];
}

/**
 * The limiter of each tenant: tenants with their own limits get a limiter built with those, every other tenant
 * the default one. Policy names and keys are the same in all of them, so a tenant's counters do not depend on
 * which limiter counts them.
 */
export class PricingRateLimiters {
  constructor(
    private readonly fallback: RateLimiter,
    private readonly byTenant: ReadonlyMap<string, RateLimiter> = new Map(),
  ) {}

  /** Both dimensions in one check: a request rejected by one policy consumes none of the other's quota. */
  check(tenantId: string, sub: string): Promise<RateLimitDecision> {
    return (this.byTenant.get(tenantId) ?? this.fallback).check(tenantId, [
      { policy: PRICING_TENANT_POLICY, subject: tenantId },
      { policy: PRICING_USER_POLICY, subject: sub },
    ]);
  }
}

/** The problem for a request the limiter did not admit: 429 over quota, 503 when Redis is out and insurance spent. */
export function rateLimitProblem(decision: RateLimitDecision): ProblemError {
  const headers = { ...rateLimitHeaders(decision) } as Record<string, string>;
  if (decision.error) {
    headers['Retry-After'] ??= String(Math.max(1, Math.ceil(decision.retryAfterSeconds)));
    return new ProblemError({
      type: ProblemType.serviceUnavailable,
      title: 'Rate limiter unavailable',
      status: 503,
      detail: 'The rate limiter cannot be reached and the local budget is spent; retry later.',
      headers,
      cause: decision.error,
    });
  }
  return new ProblemError({
    type: ProblemType.quotaExceeded,
    title: 'Quota exceeded',
    status: 429,
    detail: `rate limit exceeded: ${decision.violated.join(', ')}`,
    extensions: { 'violated-policies': decision.violated },
    headers,
  });
}
