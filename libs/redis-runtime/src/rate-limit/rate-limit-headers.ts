import type { RateLimitDecision } from './rate-limit-decision';

/** Header values of the contract: the IETF RateLimit fields, plus `Retry-After` on a rejection. */
export interface RateLimitHeaderValues {
  /** `"<name>";q=<quota>;w=<window s>` */
  readonly 'RateLimit-Policy': string;
  /** `"<name>";r=<remaining>;t=<reset s>` */
  readonly RateLimit: string;
  /** Whole seconds; only when the request was rejected (429, or 503 when the limiter is unavailable). */
  readonly 'Retry-After'?: string;
}

/**
 * Formats the contract's header values from a decision, describing its most restrictive policy. Pure, so the
 * HTTP layer (and its tests) need nothing but the decision.
 */
export function rateLimitHeaders(decision: RateLimitDecision): RateLimitHeaderValues {
  const name = `"${decision.policy}"`;
  const policy = `${name};q=${decision.limit};w=${decision.windowSeconds}`;
  const state = `${name};r=${Math.max(0, decision.remaining)};t=${Math.max(0, decision.resetSeconds)}`;
  if (decision.allowed) return { 'RateLimit-Policy': policy, RateLimit: state };
  return {
    'RateLimit-Policy': policy,
    RateLimit: state,
    'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterSeconds))),
  };
}
