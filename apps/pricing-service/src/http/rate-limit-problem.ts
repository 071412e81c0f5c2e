import { ProblemError, ProblemType } from '@cpq/platform';
import { rateLimitHeaders, type RateLimitDecision } from '@cpq/redis-runtime';

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
