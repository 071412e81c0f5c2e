import type { RateLimitDecision } from './rate-limit-decision';

/** One thing a request is counted against: a declared policy and the subject it counts (a tenant, user, client or route id). */
export interface RateLimitDimension {
  /** Name of a policy the limiter was built with. */
  readonly policy: string;
  /** Raw id; it is hashed before it goes into a key and never logged. */
  readonly subject: string;
}

/**
 * The port services depend on. One call checks every dimension of a request atomically: either all of them
 * consume `cost`, or (when any rejects) none does. All dimensions of one call use the same algorithm.
 * Never rejects its promise because Redis is down: the decision says how it was made (`source`, `unavailable`).
 */
export interface RateLimiter {
  check(tenant: string, dimensions: readonly RateLimitDimension[], cost?: number): Promise<RateLimitDecision>;
}
