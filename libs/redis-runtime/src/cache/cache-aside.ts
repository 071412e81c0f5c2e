import type { JsonCodec } from '../codec/json-codec';
import type { RedisKey } from '../keys/key-factory';
import { hashKeySegment } from '../keys/key-segment';
import { assertTtlSeconds } from '../keys/key-family-registry';
import type { RuntimeMetrics } from '../observability/runtime-metrics';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import { TIMED_OUT, withSoftTimeout } from '../util/with-timeout';
import type { CacheAside, CacheAsideOptions, Loader, ReadOptions } from './cache-aside-port';
import { fenceOf, isTombstone } from './cache-entry';
import { EntryWriter, writeTombstone, type WriteOutcome } from './cache-entry-writes';
import { readMeta, shouldRefreshEarly } from './freshness';
import type { NearCache } from './near-cache';
import { SingleFlight } from './single-flight';

export type { CacheAside, CacheAsideOptions, FillLock, Loader, ReadOptions } from './cache-aside-port';

const FILL_POLL_MS = 10;
const MISS: unique symbol = Symbol('miss');
/** Another process holds the fill lock. */
const HELD: unique symbol = Symbol('held');
const NO_LOCK = { release: async () => undefined };

/** What a fill saw when it read the key: the fence stored there, and when that read left (epoch ms). */
interface Observed {
  fence: number;
  at: number;
}

/**
 * Versioned cache-aside over Redis with an optional near-cache: single-flight per process, optional
 * distributed single-flight through a lease, stale-while-revalidate, XFetch early refresh, TTL jitter.
 * Redis failures never fail a read: it falls back to the loader and counts it.
 *
 * Fills are fenced: `invalidate(…, {redis: true})` leaves a tombstone with a new fence, and a fill writes through
 * one script that refuses it when the key carries a later fence than the one the fill read (or a higher version).
 * A hit stays one GET; fills and invalidations cost one script call each.
 */
export class RedisCacheAside implements CacheAside {
  private readonly flights = new SingleFlight();
  private readonly refreshes = new SingleFlight();
  private readonly metrics: RuntimeMetrics;
  private readonly logger: RuntimeLogger;
  private readonly near: NearCache | undefined;
  private readonly beta: number;
  private readonly writer: EntryWriter;

  constructor(private readonly options: CacheAsideOptions) {
    this.metrics = options.metrics ?? options.connection.metrics;
    this.logger = options.logger ?? silentLogger;
    this.near = options.nearCache;
    this.beta = options.beta ?? 1;
    this.writer = new EntryWriter(options.connection, this.metrics, this.logger, options.jitterRatio ?? 0.1);
    options.invalidationBus?.onInvalidate((message) => {
      for (const key of message.keys ?? []) this.near?.delete(key);
      for (const prefix of message.prefixes ?? []) this.near?.deletePrefix(prefix);
    });
  }

  getOrLoad<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T> = {},
  ): Promise<T | undefined> {
    const near = this.nearValue<T>(key);
    if (near !== undefined) return Promise.resolve(near);
    const since = this.generation();
    // The hit path is one GET and one `.then`; single-flight starts only on a miss (see `missed`).
    return this.readRedis(key).then(
      (raw) => this.afterRead(key, codec, load, options, raw, since),
      () => this.afterRead(key, codec, load, options, TIMED_OUT, since),
    );
  }

  nearValue<T>(key: RedisKey): T | undefined {
    const value = this.near?.get(key.key);
    if (value !== undefined) this.metrics.cache(key.family.name, 'near_hit');
    return value as T | undefined;
  }

  async peek<T>(key: RedisKey, codec: JsonCodec<T>): Promise<T | undefined> {
    const near = this.nearValue<T>(key);
    if (near !== undefined) return near;
    const since = this.generation();
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
      if (!isTombstone(raw)) this.metrics.cache(key.family.name, 'decode_error');
      return undefined;
    }
    // Fresh or in its grace period alike: without a loader there is nothing to refresh it with.
    const meta = readMeta(decoded.value.meta);
    const now = Date.now();
    if (meta?.expiresAt !== undefined && now >= meta.expiresAt) return undefined;
    const fresh = meta === undefined || now < meta.freshUntil;
    this.metrics.cache(key.family.name, fresh ? 'hit' : 'stale');
    if (fresh) this.near?.set(key.key, decoded.value.payload, now, since);
    return decoded.value.payload;
  }

  async set<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    value: T,
    options: ReadOptions<T> & { loadMs?: number } = {},
  ): Promise<boolean> {
    const since = this.generation();
    const outcome = await this.writer.write(key, codec, value, options, {
      loadMs: options.loadMs ?? 0,
      mode: 'set',
      fence: 0,
    });
    if (outcome?.kind === 'written') {
      this.near?.set(key.key, value, Date.now(), since);
      return true;
    }
    if (outcome !== undefined) this.metrics.cache(key.family.name, 'write_refused');
    return false;
  }

  async invalidate(keys: RedisKey[], options: { redis?: boolean } = {}): Promise<void> {
    for (const key of keys) this.near?.delete(key.key);
    if (options.redis && keys.length > 0) {
      await Promise.all(
        keys.map((key) =>
          writeTombstone(this.options.connection, key, this.fenceTtlMs(key)).catch((error: unknown) => {
            this.logger.warn(
              { family: key.family.name, err: String(error) },
              'cache invalidation failed; the entry lives until its TTL',
            );
          }),
        ),
      );
    }
    await this.options.invalidationBus?.publish({ keys: keys.map((k) => k.key) });
  }

  async invalidatePrefix(prefix: string): Promise<void> {
    this.near?.deletePrefix(prefix);
    await this.options.invalidationBus?.publish({ prefixes: [prefix] });
  }

  /** The near-cache's invalidation count, taken before a read: its result is near-cached only if unchanged. */
  private generation(): number | undefined {
    return this.near?.generation;
  }

  private afterRead<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T>,
    raw: string | null | typeof TIMED_OUT,
    since: number | undefined,
  ): T | undefined | Promise<T | undefined> {
    const family = key.family.name;
    if (raw === TIMED_OUT) {
      this.metrics.cache(family, 'fallback');
      const observed = { fence: 0, at: Date.now() };
      return this.flights.run(flightOf(key, 0), () =>
        this.loadThenWrite(key, codec, load, options, observed, since, false),
      );
    }
    if (raw !== null) {
      const payload = this.decodeFresh(key, codec, load, options, raw, since);
      if (payload !== MISS) return payload;
    }
    this.metrics.cache(family, 'miss');
    // A read that saw a newer fence (an invalidation) never joins a load that started before it.
    return this.flights.run(flightOf(key, fenceOf(raw)), () => this.missed(key, codec, load, options, since));
  }

  /**
   * The payload (fresh, refreshing early, or stale and refreshing), or `MISS` when the entry is unreadable, a
   * tombstone, or past its `expiresAt` (kept in Redis only for its fence).
   */
  private decodeFresh<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T>,
    raw: string,
    since: number | undefined,
    recheck = false,
  ): T | typeof MISS {
    const family = key.family.name;
    const decoded = codec.decode(raw);
    if (!decoded.ok) {
      if (!recheck && !isTombstone(raw)) this.metrics.cache(family, 'decode_error');
      return MISS;
    }
    const meta = readMeta(decoded.value.meta);
    const payload = decoded.value.payload;
    const now = Date.now();
    if (meta === undefined || now < meta.freshUntil) {
      if (meta !== undefined && shouldRefreshEarly(meta, now, this.beta)) {
        this.metrics.cache(family, 'early_refresh');
        this.refreshInBackground(key, codec, load, options, meta.fence, since);
      } else {
        this.metrics.cache(family, 'hit');
      }
      this.near?.set(key.key, payload, now, since);
      return payload;
    }
    if (meta.expiresAt !== undefined && now >= meta.expiresAt) return MISS;
    this.metrics.cache(family, 'stale');
    this.refreshInBackground(key, codec, load, options, meta.fence, since);
    return payload;
  }

  /**
   * First caller of a missed key in this process. Concurrent misses share this call; one that arrives after it
   * finished starts another, which is why Redis is asked once more before loading: that late caller then finds
   * the value the first one wrote instead of loading it again.
   */
  private async missed<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T>,
    since: number | undefined,
  ) {
    const at = Date.now();
    const raw = await this.readRedis(key).catch((): typeof TIMED_OUT => TIMED_OUT);
    if (raw !== TIMED_OUT && raw !== null) {
      const payload = this.decodeFresh(key, codec, load, options, raw, since, true);
      if (payload !== MISS) return payload;
    }
    const observed = { fence: raw === TIMED_OUT ? 0 : fenceOf(raw), at };
    return this.loadAndStore(key, codec, load, options, observed, since, raw !== TIMED_OUT);
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
    options: ReadOptions<T>,
    observed: Observed,
    since: number | undefined,
    redisUp: boolean,
  ) {
    const fill = redisUp ? options.fill : undefined;
    if (!fill || !this.options.fillLock)
      return this.loadThenWrite(key, codec, load, options, observed, since, redisUp);
    const lock = await this.tryFillLock(key, fill);
    if (lock === HELD) {
      const filled = await this.waitForFill(key, codec, fill.waitMs ?? 2_000, since);
      if (filled !== undefined) return filled;
      this.metrics.cache(key.family.name, 'fill_wait_expired');
      return this.loadThenWrite(key, codec, load, options, observed, since, redisUp);
    }
    try {
      return await this.loadThenWrite(key, codec, load, options, observed, since, redisUp);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /**
   * Loads and writes through the fence. A write refused because a newer value is stored answers that value; one
   * refused because the key was invalidated after `observed` loads once more (the first load may predate the
   * invalidation), then answers what it has.
   */
  private async loadThenWrite<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T>,
    observed: Observed,
    since: number | undefined,
    redisUp: boolean,
  ): Promise<T | undefined> {
    const family = key.family.name;
    let seen = observed;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      this.metrics.cache(family, 'load');
      const value = await load();
      if (value === undefined) return undefined;
      const loadMs = Date.now() - started;
      // A fill this slow may have outlived the fence that would refuse it: serve it, never write it.
      const late = Date.now() - seen.at >= this.fenceTtlMs(key) / 2;
      if (late) this.metrics.cache(family, 'late_fill');
      if (!redisUp) {
        // With Redis known to be failing, do not make the caller wait for a write that will fail too.
        if (!late)
          void this.writer
            .write(key, codec, value, options, { loadMs, mode: 'fill', fence: seen.fence })
            .catch(() => undefined);
        this.near?.set(key.key, value, Date.now(), since);
        return value;
      }
      if (late) return value;
      const writing = Date.now();
      const outcome = await this.writer.write(key, codec, value, options, {
        loadMs,
        mode: 'fill',
        fence: seen.fence,
      });
      if (outcome === undefined) return value;
      if (outcome.kind === 'written') {
        this.near?.set(key.key, value, Date.now(), since);
        return value;
      }
      this.metrics.cache(family, 'write_refused');
      const stored = outcome.kind === 'newer-value' ? this.usable(codec, outcome.stored) : undefined;
      if (stored !== undefined) {
        this.near?.set(key.key, stored, Date.now(), since);
        return stored;
      }
      if (attempt === 2) return value;
      seen = { fence: refusedAt(outcome), at: writing };
    }
  }

  /** A stored entry's payload if it may be served now (decodable and not past its `expiresAt`). */
  private usable<T>(codec: JsonCodec<T>, raw: string): T | undefined {
    const decoded = codec.decode(raw);
    if (!decoded.ok) return undefined;
    const expiresAt = readMeta(decoded.value.meta)?.expiresAt;
    return expiresAt !== undefined && Date.now() >= expiresAt ? undefined : decoded.value.payload;
  }

  /** Another process holds the fill lease: poll Redis for its result, bounded by `waitMs`. */
  private async waitForFill<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    waitMs: number,
    since: number | undefined,
  ): Promise<T | undefined> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, FILL_POLL_MS));
      const raw = await this.readRedis(key).catch((): typeof TIMED_OUT => TIMED_OUT);
      if (raw === TIMED_OUT) return undefined;
      const payload = raw === null ? undefined : this.usable(codec, raw);
      if (payload !== undefined) {
        this.metrics.cache(key.family.name, 'hit');
        this.near?.set(key.key, payload, Date.now(), since);
        return payload;
      }
    }
    return undefined;
  }

  /**
   * The fill lease of a key, or `HELD` when another process holds it. A failing lock Redis says nothing about a
   * holder, and waiting would cost `waitMs` on every miss: load without it (single-flight still holds per
   * process), counted.
   */
  private tryFillLock(key: RedisKey, fill: NonNullable<ReadOptions['fill']>) {
    return this.options
      .fillLock!.tryAcquire(fill.tenant, hashKeySegment(key.key), fill.lockTtlMs ?? 5_000)
      .then(
        (lock) => lock ?? HELD,
        (error: unknown) => {
          this.metrics.cache(key.family.name, 'fill_lock_unavailable');
          this.logger.debug(
            { family: key.family.name, err: String(error) },
            'fill lock unavailable; loading without it',
          );
          return NO_LOCK;
        },
      );
  }

  private refreshInBackground<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    load: Loader<T>,
    options: ReadOptions<T>,
    fence: number,
    since: number | undefined,
  ): void {
    if (this.refreshes.has(key.key)) return;
    const observed = { fence, at: Date.now() };
    this.refreshes
      .run(key.key, async () => {
        const fill = options.fill;
        const lock = fill && this.options.fillLock ? await this.tryFillLock(key, fill) : NO_LOCK;
        if (lock === HELD) return; // another process is refreshing it
        try {
          await this.loadThenWrite(key, codec, load, options, observed, since, true);
        } finally {
          await lock.release().catch(() => undefined);
        }
      })
      .catch((error: unknown) => {
        this.logger.warn({ family: key.family.name, err: String(error) }, 'background cache refresh failed');
      });
  }

  /** How long an invalidation's tombstone lives, in ms (see `fenceTtlSeconds`). */
  private fenceTtlMs(key: RedisKey): number {
    const family = key.family;
    return assertTtlSeconds(family, this.options.fenceTtlSeconds ?? family.ttlSeconds?.max) * 1000;
  }
}

/** Misses share a load only when they saw the same fence: one that saw a later invalidation starts its own. */
function flightOf(key: RedisKey, fence: number): string {
  return fence === 0 ? key.key : `${key.key}\u0000${fence}`;
}

/** The fence a refused write should read from next: the tombstone's, or the newer value's. */
function refusedAt(outcome: Exclude<WriteOutcome, { kind: 'written' }>): number {
  return outcome.kind === 'invalidated' ? outcome.fence : fenceOf(outcome.stored);
}
