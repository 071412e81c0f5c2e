import type { JsonCodec } from '../codec/json-codec';
import type { RedisConnection } from '../clients/redis-connection';
import type { RedisKey } from '../keys/key-factory';
import type { RuntimeMetrics } from '../observability/runtime-metrics';
import type { RuntimeLogger } from '../observability/runtime-logger';
import type { NearCache } from './near-cache';
import type { NearCacheInvalidationBus } from './near-cache-invalidation-bus';

/** Loads the value from the source of truth; `undefined` means the source has none (not cached). */
export type Loader<T> = () => Promise<T | undefined>;

/**
 * A cross-process lock for distributed single-flight of expensive loads: one attempt, no waiting. `leaseFillLock`
 * adapts a `LeaseManager`.
 */
export interface FillLock {
  /** The lock, or `undefined` when another process holds it; rejects when it cannot tell (its Redis failing). */
  tryAcquire(tenant: string, id: string, ttlMs: number): Promise<{ release(): Promise<unknown> } | undefined>;
}

export interface ReadOptions<T = unknown> {
  /** Fresh lifetime before jitter, in seconds. @default the family's minimum TTL */
  ttlSeconds?: number;
  /** Extra lifetime during which a stale value is served while one caller refreshes it. @default 0 */
  graceSeconds?: number;
  /**
   * Distributed single-flight for this read (expensive loads only): the first process to miss takes a lease on
   * the key and loads; the others poll Redis for its result up to `waitMs`, then load themselves.
   */
  fill?: {
    tenant: string;
    /** @default 5000 */
    lockTtlMs?: number;
    /** @default 2000 */
    waitMs?: number;
  };
  /**
   * The value's version (a non-negative safe integer, e.g. an order's): a write never replaces a stored value, or
   * the tombstone of one, whose version is higher; compared inside the write's Lua script. Use it on every write
   * of a key or on none. @default unversioned
   */
  versionOf?: (value: T) => number;
}

export interface CacheAsideOptions {
  connection: RedisConnection;
  /** @default the connection's metrics */
  metrics?: RuntimeMetrics;
  /** @default silent */
  logger?: RuntimeLogger;
  /** Optional in-process tier in front of Redis. @default none */
  nearCache?: NearCache;
  /** Broadcasts and receives near-cache invalidation hints. @default none (local invalidation only) */
  invalidationBus?: NearCacheInvalidationBus;
  /** Required for reads with `fill`. */
  fillLock?: FillLock;
  /**
   * Soft timeout for the Redis read, in ms: past it the source is asked while the command finishes unobserved.
   * @default undefined (the connection's command timeout, the workload budget, applies)
   */
  redisTimeoutMs?: number;
  /** XFetch beta; 0 disables probabilistic early refresh. @default 1 */
  beta?: number;
  /** TTL jitter ratio: a TTL of t becomes t..t*(1+ratio). @default 0.1 */
  jitterRatio?: number;
  /**
   * How long an invalidation's fence lasts in Redis, in seconds (within the family's TTL range). A fill that took
   * longer than half of it from its read to its write is served but not written (`late_fill`): by then the fence
   * that would refuse it may be gone. @default the family's maximum TTL
   */
  fenceTtlSeconds?: number;
}

/** The port services depend on. */
export interface CacheAside {
  getOrLoad<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options?: ReadOptions<T>,
  ): Promise<T | undefined>;
  /**
   * The cached value if there is one (near-cache, then Redis), never loading: for work that may not touch the
   * source yet (e.g. before a rate-limit decision). A miss or a Redis failure is `undefined`.
   */
  peek<T>(key: RedisKey, codec: JsonCodec<T>): Promise<T | undefined>;
  /**
   * This instance's near-cache value, synchronously (counted as a near hit): lets the hottest reads answer without
   * a promise turn. `undefined` when there is no near-cache or no fresh entry; then use `getOrLoad`.
   */
  nearValue<T>(key: RedisKey): T | undefined;
  /**
   * Writes `value` (not fenced: nothing was read; it keeps the stored fence). True when stored; false when refused
   * (a higher version is stored, `versionOf`) or Redis failed.
   */
  set<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    value: T,
    options?: ReadOptions<T> & { loadMs?: number },
  ): Promise<boolean>;
  /**
   * Drops keys from this instance's near-cache and tells the other instances. With `redis`, replaces each entry
   * in Redis by a tombstone first: no fill that read the key before, on any instance, lands after it.
   */
  invalidate(keys: RedisKey[], options?: { redis?: boolean }): Promise<void>;
  /** Drops near-cache entries by key prefix here and on every instance. */
  invalidatePrefix(prefix: string): Promise<void>;
}
