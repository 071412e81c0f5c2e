/** Marker for a soft timeout: the operation may still finish later, but the caller stopped waiting. */
export const TIMED_OUT: unique symbol = Symbol('timed-out');

/**
 * Resolves with the promise's value, or with `TIMED_OUT` after `ms`. The promise is not cancelled (Redis
 * commands cannot be), only abandoned; its rejection is swallowed so it never surfaces as unhandled.
 */
export function withSoftTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
