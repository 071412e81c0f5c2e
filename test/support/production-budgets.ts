import { PLATFORM_KEY_FAMILIES } from '@cpq/redis-runtime';

/**
 * A service test environment (`serviceTestEnv`) with production's Redis command budgets: without the roomy
 * `REDIS_<WORKLOAD>_TIMEOUT_MS` overrides, each key family's declared budget (20-30 ms) applies. For tests of
 * what a hung or failing Redis does to answers, which must hold with the budgets production runs with.
 */
export function withProductionRedisBudgets(env: Record<string, string>): Record<string, string> {
  const {
    REDIS_CACHE_TIMEOUT_MS: _cache,
    REDIS_RATE_TIMEOUT_MS: _rate,
    REDIS_SESSION_TIMEOUT_MS: _session,
    ...production
  } = env;
  return production;
}

/**
 * The largest command budget of the platform's key families (rate and session scripts, 30 ms), read from the
 * key-family registry the services run with, so a bound built on it follows the configured budgets.
 */
export const LARGEST_FAMILY_BUDGET_MS = Math.max(...PLATFORM_KEY_FAMILIES.map((family) => family.timeoutMs));

/** Median of a list of numbers (e.g. latencies). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
