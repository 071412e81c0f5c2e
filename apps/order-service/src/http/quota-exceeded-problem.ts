import { ProblemError, ProblemType } from '@cpq/platform';
import { rateLimitHeaders, type RateLimitDecision } from '@cpq/redis-runtime';

/** 429 `quota-exceeded` for a capture the limiter did not admit, with `violated-policies` and the RateLimit headers. */
export function quotaExceededProblem(decision: RateLimitDecision): ProblemError {
  return new ProblemError({
    type: ProblemType.quotaExceeded,
    title: 'Quota exceeded',
    status: 429,
    detail: `rate limit exceeded: ${decision.violated.join(', ')}`,
    extensions: { 'violated-policies': decision.violated },
    headers: { ...rateLimitHeaders(decision) } as Record<string, string>,
  });
}
