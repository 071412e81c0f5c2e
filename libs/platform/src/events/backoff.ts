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
