import type { JsonCodec } from '../codec/json-codec';
import type { RedisConnection } from '../clients/redis-connection';
import type { RedisKey } from '../keys/key-factory';
import { hashKeySegment } from '../keys/key-segment';
import { assertTtlSeconds } from '../keys/key-family-registry';
import type { RuntimeMetrics } from '../observability/runtime-metrics';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import { TIMED_OUT, withSoftTimeout } from '../util/with-timeout';
import { jitteredTtlSeconds, readMeta, shouldRefreshEarly } from './freshness';
import type { NearCache } from './near-cache';
import type { NearCacheInvalidationBus } from './near-cache-invalidation-bus';
import { SingleFlight } from './single-flight';

/** Loads the value from the source of truth; `undefined` means the source has none (not cached). */
export type Loader<T> = () => Promise<T | undefined>;

/**
 * A cross-process lock for distributed single-flight of expensive loads: one attempt, no waiting. `leaseFillLock`
 * adapts a `LeaseManager`.
 */
export interface FillLock {
  tryAcquire(tenant: string, id: string, ttlMs: number): Promise<{ release(): Promise<unknown> } | undefined>;
}

export interface ReadOptions {
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
}

/** The port services depend on. */
export interface CacheAside {
  getOrLoad<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options?: ReadOptions,
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
  set<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    value: T,
    options?: ReadOptions & { loadMs?: number },
  ): Promise<boolean>;
  /** Drops a key from this instance's near-cache, optionally from Redis, and tells the other instances. */
  invalidate(keys: RedisKey[], options?: { redis?: boolean }): Promise<void>;
  /** Drops near-cache entries by key prefix here and on every instance. */
  invalidatePrefix(prefix: string): Promise<void>;
}

const FILL_POLL_MS = 10;
const MISS: unique symbol = Symbol('miss');
const NO_LOCK = { release: async () => undefined };

/**
 * Versioned cache-aside over Redis with an optional near-cache: single-flight per process, optional
 * distributed single-flight through a lease, stale-while-revalidate, XFetch early refresh, TTL jitter.
 * Redis failures never fail a read: it falls back to the loader and counts it.
 */
export class RedisCacheAside implements CacheAside {
  private readonly flights = new SingleFlight();
  private readonly refreshes = new SingleFlight();
  private readonly metrics: RuntimeMetrics;
  private readonly logger: RuntimeLogger;
  private readonly beta: number;
  private readonly jitterRatio: number;

  constructor(private readonly options: CacheAsideOptions) {
    this.metrics = options.metrics ?? options.connection.metrics;
    this.logger = options.logger ?? silentLogger;
    this.beta = options.beta ?? 1;
    this.jitterRatio = options.jitterRatio ?? 0.1;
    options.invalidationBus?.onInvalidate((message) => {
      for (const key of message.keys ?? []) options.nearCache?.delete(key);
      for (const prefix of message.prefixes ?? []) options.nearCache?.deletePrefix(prefix);
    });
  }

  getOrLoad<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions = {},
  ): Promise<T | undefined> {
    const near = this.nearValue<T>(key);
    if (near !== undefined) return Promise.resolve(near);
    // The hit path is one GET and one `.then`; single-flight starts only on a miss (see `missed`).
    return this.readRedis(key).then(
      (raw) => this.afterRead(key, codec, load, options, raw),
      () => this.afterRead(key, codec, load, options, TIMED_OUT),
    );
  }

  nearValue<T>(key: RedisKey): T | undefined {
    const value = this.options.nearCache?.get(key.key);
    if (value !== undefined) this.metrics.cache(key.family.name, 'near_hit');
    return value as T | undefined;
  }

  async peek<T>(key: RedisKey, codec: JsonCodec<T>): Promise<T | undefined> {
    const near = this.nearValue<T>(key);
    if (near !== undefined) return near;
    let raw: string | null;
    try {
      raw = await this.readRedis(key);
    } catch {
      this.metrics.cache(key.family.name, 'fallback');
      return undefined;
    }
    if (raw === null) return undefined;
    const decoded = codec.decode(raw);
    if (!decoded.ok) {
      this.metrics.cache(key.family.name, 'decode_error');
      return undefined;
    }
    // Fresh or in its grace period alike: without a loader there is nothing to refresh it with.
    const meta = readMeta(decoded.value.meta);
    const now = Date.now();
    const fresh = meta === undefined || now < meta.freshUntil;
    this.metrics.cache(key.family.name, fresh ? 'hit' : 'stale');
    if (fresh) this.options.nearCache?.set(key.key, decoded.value.payload, now);
    return decoded.value.payload;
  }

  async set<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    value: T,
    options: ReadOptions & { loadMs?: number } = {},
  ) {
    const family = key.family;
    const base = assertTtlSeconds(family, options.ttlSeconds ?? family.ttlSeconds?.min);
    const grace = options.graceSeconds ?? 0;
    const fresh = jitteredTtlSeconds(base, this.jitterRatio, family.ttlSeconds!.max - grace);
    const ttl = assertTtlSeconds(family, fresh + grace);
    const raw = codec.encode(value, { freshUntil: Date.now() + fresh * 1000, delta: options.loadMs ?? 0 });
    try {
      await this.options.connection.observe('set', family, (c) => c.set(key.key, raw, 'EX', ttl));
      this.options.nearCache?.set(key.key, value);
      return true;
    } catch (error) {
      this.metrics.cache(family.name, 'set_failure');
      this.logger.warn(
        { family: family.name, err: String(error) },
        'cache write failed; serving the loaded value',
      );
      return false;
    }
  }

  async invalidate(keys: RedisKey[], options: { redis?: boolean } = {}): Promise<void> {
    for (const key of keys) this.options.nearCache?.delete(key.key);
    if (options.redis && keys.length > 0) {
      await Promise.all(
        keys.map((key) =>
          this.options.connection.observe('del', key.family, (c) => c.del(key.key)).catch(() => 0),
        ),
      );
    }
    await this.options.invalidationBus?.publish({ keys: keys.map((k) => k.key) });
  }

  async invalidatePrefix(prefix: string): Promise<void> {
    this.options.nearCache?.deletePrefix(prefix);
    await this.options.invalidationBus?.publish({ prefixes: [prefix] });
  }

  private afterRead<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions,
    raw: string | null | typeof TIMED_OUT,
  ): T | undefined | Promise<T | undefined> {
    const family = key.family.name;
    if (raw === TIMED_OUT) {
      this.metrics.cache(family, 'fallback');
      return this.flights.run(key.key, () => this.loadThenWrite(key, codec, load, options, false));
    }
    if (raw !== null) {
      const payload = this.decodeFresh(key, codec, load, options, raw);
      if (payload !== MISS) return payload;
    }
    this.metrics.cache(family, 'miss');
    return this.flights.run(key.key, () => this.missed(key, codec, load, options));
  }

  /** The payload (fresh, refreshing early, or stale and refreshing), or `MISS` when the entry is unreadable. */
  private decodeFresh<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions,
    raw: string,
    recheck = false,
  ): T | typeof MISS {
    const family = key.family.name;
    const decoded = codec.decode(raw);
    if (!decoded.ok) {
      if (!recheck) this.metrics.cache(family, 'decode_error');
      return MISS;
    }
    const meta = readMeta(decoded.value.meta);
    const payload = decoded.value.payload;
    const now = Date.now();
    if (meta === undefined || now < meta.freshUntil) {
      if (meta !== undefined && shouldRefreshEarly(meta, now, this.beta)) {
        this.metrics.cache(family, 'early_refresh');
        this.refreshInBackground(key, codec, load, options);
      } else {
        this.metrics.cache(family, 'hit');
      }
      this.options.nearCache?.set(key.key, payload, now);
      return payload;
    }
    this.metrics.cache(family, 'stale');
    this.refreshInBackground(key, codec, load, options);
    return payload;
  }

  /**
   * First caller of a missed key in this process. Concurrent misses share this call; one that arrives after it
   * finished starts another, which is why Redis is asked once more before loading: that late caller then finds
   * the value the first one wrote instead of loading it again.
   */
  private async missed<T>(key: RedisKey, codec: JsonCodec<T>, load: Loader<T>, options: ReadOptions) {
    const raw = await this.readRedis(key).catch((): typeof TIMED_OUT => TIMED_OUT);
    if (raw !== TIMED_OUT && raw !== null) {
      const payload = this.decodeFresh(key, codec, load, options, raw, true);
      if (payload !== MISS) return payload;
    }
    return this.loadAndStore(key, codec, load, options, raw !== TIMED_OUT);
  }

  /** The raw value or `null`; rejects when Redis fails or, with `redisTimeoutMs`, is too slow. */
  private readRedis(key: RedisKey): Promise<string | null> {
    const pending = this.options.connection.observe('get', key.family, (c) => c.get(key.key));
    if (this.options.redisTimeoutMs === undefined) return pending;
    return withSoftTimeout(pending, this.options.redisTimeoutMs).then((raw) => {
      if (raw === TIMED_OUT) throw new Error('soft timeout');
      return raw;
    });
  }

  private async loadAndStore<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions,
    redisUp: boolean,
  ) {
    const fill = redisUp ? options.fill : undefined;
    if (!fill || !this.options.fillLock) return this.loadThenWrite(key, codec, load, options, redisUp);
    const lease = await this.tryFillLock(key, fill);
    if (!lease) {
      const filled = await this.waitForFill(key, codec, fill.waitMs ?? 2_000);
      if (filled !== undefined) return filled;
      return this.loadThenWrite(key, codec, load, options, redisUp);
    }
    try {
      return await this.loadThenWrite(key, codec, load, options, redisUp);
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  private async loadThenWrite<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions,
    redisUp: boolean,
  ) {
    const started = Date.now();
    this.metrics.cache(key.family.name, 'load');
    const value = await load();
    if (value === undefined) return undefined;
    const write = this.set(key, codec, value, { ...options, loadMs: Date.now() - started });
    // With Redis known to be failing, do not make the caller wait for a write that will fail too.
    if (redisUp) await write;
    else this.options.nearCache?.set(key.key, value);
    return value;
  }

  /** Another process holds the fill lease: poll Redis for its result, bounded by `waitMs`. */
  private async waitForFill<T>(key: RedisKey, codec: JsonCodec<T>, waitMs: number): Promise<T | undefined> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, FILL_POLL_MS));
      const raw = await this.readRedis(key).catch((): typeof TIMED_OUT => TIMED_OUT);
      if (raw === TIMED_OUT) return undefined;
      if (raw !== null) {
        const decoded = codec.decode(raw);
        if (decoded.ok) {
          this.metrics.cache(key.family.name, 'hit');
          this.options.nearCache?.set(key.key, decoded.value.payload);
          return decoded.value.payload;
        }
      }
    }
    return undefined;
  }

  /** The fill lease of a key, or undefined when another process holds it or Redis cannot say. */
  private tryFillLock(key: RedisKey, fill: NonNullable<ReadOptions['fill']>) {
    return this.options
      .fillLock!.tryAcquire(fill.tenant, hashKeySegment(key.key), fill.lockTtlMs ?? 5_000)
      .catch(() => undefined);
  }

  private refreshInBackground<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions,
  ): void {
    if (this.refreshes.has(key.key)) return;
    this.refreshes
      .run(key.key, async () => {
        const fill = options.fill;
        const lease = fill && this.options.fillLock ? await this.tryFillLock(key, fill) : NO_LOCK;
        if (!lease) return; // another process is refreshing it
        try {
          await this.loadThenWrite(key, codec, load, options, true);
        } finally {
          await lease.release().catch(() => undefined);
        }
      })
      .catch((error: unknown) => {
        this.logger.warn({ family: key.family.name, err: String(error) }, 'background cache refresh failed');
      });
  }
}
