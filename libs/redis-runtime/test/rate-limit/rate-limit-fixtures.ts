import type { RedisConnection } from '../../src/clients/redis-connection';
import type { KeyFactory } from '../../src/keys/key-factory';
import type {
  RateLimitAlgorithm,
  RateLimitFailureMode,
  RateLimitPolicy,
} from '../../src/rate-limit/rate-limit-policy';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/rate-limit/redis-rate-limiter';

export const FAMILY = 'test-rate';
export const OPEN: RateLimitFailureMode = { mode: 'open' };
export const ALGORITHMS: readonly RateLimitAlgorithm[] = [
  'fixed-window',
  'sliding-log',
  'sliding-counter',
  'token-bucket',
];

/**
 * A policy of any algorithm with the same quota: `limit` per `windowSeconds`; a token bucket gets capacity
 * `limit` and a refill of `limit / windowSeconds` per second unless `refillPerSecond` is given.
 */
export function policy(
  name: string,
  algorithm: RateLimitAlgorithm,
  limit: number,
  windowSeconds: number,
  extra: {
    scope?: RateLimitPolicy['scope'];
    failureMode?: RateLimitFailureMode;
    refillPerSecond?: number;
  } = {},
): RateLimitPolicy {
  const base = { name, scope: extra.scope ?? 'user', family: FAMILY, failureMode: extra.failureMode ?? OPEN };
  if (algorithm === 'token-bucket') {
    return {
      ...base,
      algorithm,
      capacity: limit,
      refillPerSecond: extra.refillPerSecond ?? limit / windowSeconds,
    };
  }
  return { ...base, algorithm, limit, windowSeconds };
}

export function limiter(
  connection: RedisConnection,
  keys: KeyFactory,
  policies: RateLimitPolicy[],
  options: Partial<RedisRateLimiterOptions> = {},
): RedisRateLimiter {
  return new RedisRateLimiter({ connection, keys, policies, ...options });
}

export async function redisNowMs(connection: RedisConnection): Promise<number> {
  const [seconds, micros] = await connection.client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Waits (by Redis time) until a window of `windowMs` has just started, so that a test's burst of checks lands
 * in one window instead of straddling a boundary. Returns ms left in that window.
 */
export async function atWindowStart(
  connection: RedisConnection,
  windowMs: number,
  marginMs = 15,
): Promise<number> {
  const now = await redisNowMs(connection);
  const wait = windowMs - (now % windowMs) + marginMs;
  await sleep(wait);
  return windowMs - marginMs;
}

/** Waits only when fewer than `neededMs` are left in the current window. */
export async function withRoomInWindow(
  connection: RedisConnection,
  windowMs: number,
  neededMs: number,
): Promise<void> {
  const now = await redisNowMs(connection);
  if (windowMs - (now % windowMs) < neededMs) await atWindowStart(connection, windowMs);
}

/** Waits until the connection answers PING (a Cluster client may still be discovering its slots). */
export async function untilReady(connection: RedisConnection, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (connection.ready && (await connection.client.ping().catch(() => '')) === 'PONG') return;
    if (Date.now() > deadline)
      throw new Error(`${connection.workload} Redis not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
