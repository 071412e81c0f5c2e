import { JsonCodec, type CacheAside, type ReadOptions, type RedisKey } from '@cpq/redis-runtime';
import type { Order } from '../domain/order';
import { OrderError } from '../domain/order.errors';
import type { OrderKeys } from './order-keys';

/** Reads the version of the view a key holds in Redis; throws when Redis cannot answer. */
export interface CachedVersionProbe {
  cachedVersion(key: RedisKey, codec: JsonCodec<Order>): Promise<number | undefined>;
}

/** A cached view that is older than the version the durable invalidation saw in its event. */
export class StaleOrderViewError extends OrderError {
  readonly code = 'ORDER_VIEW_STALE_IN_CACHE';
  constructor(
    readonly cachedVersion: number,
    readonly version: number,
  ) {
    super(`the cached order view is at version ${cachedVersion}, older than ${version}: dropping it again`);
  }
}

export const orderViewCodec = new JsonCodec<Order>({
  schemaVersion: 1,
  validate: (value: unknown): value is Order =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Order).orderId === 'string' &&
    Number.isSafeInteger((value as Order).version),
});

/**
 * The order-view cache (`order-view`, cache workload). A fill never replaces a newer stored view (`versionOf`:
 * the order's version, compared in Redis) and a fill that began before an invalidation never lands after it. A
 * transition drops the entry right after its commit (best effort); each instance's consumer of
 * `oms.order.status-changed.v1` drops it again and checks that no older view is left (the durable path: it
 * retries the event until Redis answers).
 */
export class OrderViewCache {
  private readonly readOptions: ReadOptions<Order>;

  constructor(
    private readonly cache: CacheAside,
    private readonly keys: OrderKeys,
    private readonly probe: CachedVersionProbe,
    options: { ttlSeconds: number },
  ) {
    this.readOptions = { ttlSeconds: options.ttlSeconds, versionOf: (order) => order.version };
  }

  get(tenantId: string, orderId: string, load: () => Promise<Order | undefined>): Promise<Order | undefined> {
    return this.cache.getOrLoad(this.keys.view(tenantId, orderId), orderViewCodec, load, this.readOptions);
  }

  /** Best effort, right after a transition committed: a failure is left to the event's durable path. */
  async drop(tenantId: string, orderId: string): Promise<void> {
    await this.cache.invalidate([this.keys.view(tenantId, orderId)], { redis: true }).catch(() => undefined);
  }

  /**
   * The durable path, on `oms.order.status-changed.v1`: drops the entry, then makes sure no view older than
   * `version` is left (a delete that did not reach Redis, an unfenced fill that landed after it). Throws when it
   * cannot make sure, so the event is retried.
   */
  async dropOlderThan(tenantId: string, orderId: string, version: number): Promise<void> {
    const key = this.keys.view(tenantId, orderId);
    await this.cache.invalidate([key], { redis: true });
    const cached = await this.probe.cachedVersion(key, orderViewCodec);
    if (cached !== undefined && cached < version) throw new StaleOrderViewError(cached, version);
  }
}
