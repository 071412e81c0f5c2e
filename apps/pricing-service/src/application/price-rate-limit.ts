import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from '@cpq/redis-runtime';

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
