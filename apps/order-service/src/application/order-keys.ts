import type { KeyFactory, RedisKey } from '@cpq/redis-runtime';

/** order-service's Redis keys, all from declared families (libs/redis-runtime platform-key-families). */
export class OrderKeys {
  constructor(private readonly keys: KeyFactory) {}

  /** The cached view of one order (`order-view`, cache workload). */
  view(tenantId: string, orderId: string): RedisKey {
    return this.keys.key('order-view', tenantId, orderId);
  }
}
