/** Exponential backoff after consecutive failures. */
export interface BackoffOptions {
  /** Delay after the first failure (before jitter). @default 200 */
  initialMs?: number;
  /** Upper bound of the delay. @default 30000 */
  maxMs?: number;
}

/**
 * The delay after `failures` consecutive failures (≥ 1): `min(maxMs, initialMs · 2^(failures-1))` with
 * "equal jitter" (uniform in the upper half), so instances that failed together do not retry together.
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 200;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * How the relay and the consumers wait for Kafka (and PostgreSQL) to come back: a probe or retry every 0.1-0.2 s at
 * first, then one every 0.5-1 s for as long as the outage lasts. The cap bounds how late a recovery is noticed (the
 * platform's target: back to normal within 2 s of the dependency's return); each probe is one connection and one
 * request, so the cap costs a down broker at most two connection attempts a second per relay or consumer.
 */
export const DEPENDENCY_RETRY_BACKOFF = { initialMs: 200, maxMs: 1_000 } as const satisfies BackoffOptions;
