/**
 * Timing rules of a lease, pure so they can be tested without Redis. All times are `performance.now()`
 * milliseconds on the holder (monotonic, unaffected by wall-clock jumps).
 */

/** Margin for clock-rate drift between holder and Redis: 1 % of the TTL plus 2 ms (as in Redlock). */
export function driftMs(ttlMs: number): number {
  return Math.ceil(ttlMs * 0.01) + 2;
}

/**
 * Until when the holder may assume it still holds the lease. Redis started the PTTL countdown after the request
 * was sent, so counting it from the send time subtracts the whole round trip; the drift margin covers the rest.
 */
export function validUntil(sentAtMs: number, pttlMs: number, ttlMs: number): number {
  return sentAtMs + pttlMs - driftMs(ttlMs);
}

/**
 * Delay before retry `attempt` (0-based) of a contended acquire: exponential from `baseMs`, capped at `maxMs`,
 * "equal jitter" (half fixed, half random) so waiting holders do not retry in step; never longer than the
 * holder's remaining PTTL or the caller's remaining wait.
 */
export function retryDelayMs(
  attempt: number,
  holderTtlMs: number,
  remainingWaitMs: number,
  random: () => number = Math.random,
  baseMs = 25,
  maxMs = 500,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 10));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const untilFree = holderTtlMs > 0 ? holderTtlMs + 1 : Infinity;
  return Math.max(1, Math.round(Math.min(jittered, untilFree, remainingWaitMs)));
}
