import type { JsonCodec, RedisConnection, RedisKey } from '@cpq/redis-runtime';
import type { CachedVersionProbe } from '../application/order-view-cache';
import type { Order } from '../domain/order';

/**
 * Reads which version of an order view Redis holds, for the durable invalidation: unlike a cache read, a Redis
 * failure throws (the event is then retried) instead of counting as a miss. An unreadable value holds no view.
 */
export class RedisCachedVersionProbe implements CachedVersionProbe {
  constructor(private readonly connection: RedisConnection) {}

  async cachedVersion(key: RedisKey, codec: JsonCodec<Order>): Promise<number | undefined> {
    const raw = await this.connection.observe('get', key.family, (client) => client.get(key.key));
    if (raw === null) return undefined;
    const decoded = codec.decode(raw);
    return decoded.ok ? decoded.value.payload.version : undefined;
  }
}
