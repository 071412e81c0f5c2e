import { RedisCacheAside } from '@cpq/redis-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { KyselyOrderRepository } from '../src/adapters/kysely-order.repository';
import { RedisCachedVersionProbe } from '../src/adapters/redis-cached-version-probe';
import { OrderKeys } from '../src/application/order-keys';
import { OrderViewCache } from '../src/application/order-view-cache';
import type { Order } from '../src/domain/order';
import {
  capture,
  getOrder,
  newTenant,
  orderBody,
  startOrder,
  transition,
  type OrderInstance,
} from './order-fixture';

/**
 * The order-view cache never shows a state older than one already acknowledged: a reader that loaded a version before
 * a transition cannot put it back after the transition dropped the entry (fenced fill), and a reader whose source
 * lags cannot replace a newer view (versionOf).
 */
describe('order-view cache: no stale writes (fences and versions)', () => {
  let a: OrderInstance;
  let views: OrderViewCache;
  let repository: KyselyOrderRepository;

  beforeAll(async () => {
    a = await startOrder();
    repository = new KyselyOrderRepository(a.runtime.database.db);
    const connection = a.runtime.redis.connection('cache');
    views = new OrderViewCache(
      new RedisCacheAside({ connection }),
      new OrderKeys(a.runtime.redis.keys),
      new RedisCachedVersionProbe(connection),
      { ttlSeconds: 900 },
    );
  });

  const cached = async (tenant: string, orderId: string): Promise<number | undefined> => {
    const raw = await a.runtime.redis
      .connection('cache')
      .client.get(a.runtime.redis.keys.key('order-view', tenant, orderId).key);
    const entry = raw === null ? undefined : JSON.parse(raw);
    return entry && !entry.tombstone ? entry.payload.version : undefined;
  };

  it('a read that loaded version 1 before a transition cannot write it after the transition dropped the entry', async () => {
    const tenant = newTenant();
    const { body } = await capture(a.url, tenant, orderBody(), 'fence');
    const v1 = (await getOrder(a.url, tenant, body.orderId)).body as Order;
    await a.runtime.redis
      .connection('cache')
      .client.del(a.runtime.redis.keys.key('order-view', tenant, body.orderId).key);
    let loaded!: () => void;
    const hasLoaded = new Promise<void>((resolve) => (loaded = resolve));
    let proceed!: () => void;
    const mayWrite = new Promise<void>((resolve) => (proceed = resolve));
    let loads = 0;
    const slowRead = views.get(tenant, body.orderId, async () => {
      if (loads++ > 0) return repository.findOrder(tenant, body.orderId); // a refused fill loads once more
      loaded(); // read the key (a miss) and loaded version 1 from the source
      await mayWrite;
      return v1;
    });
    await hasLoaded;
    expect((await transition(a.url, tenant, body.orderId, 'SUBMITTED', '"1"')).status).toBe(200); // drops the entry
    proceed();
    // its write was refused (the entry was dropped after it read the key): it loaded again and wrote version 2
    expect((await slowRead)?.version).toBe(2);
    expect(loads).toBe(2);
    // never version 1 (version 2, or nothing when the status-changed event's drop came after that second fill read)
    expect([undefined, 2]).toContain(await cached(tenant, body.orderId));
    expect((await getOrder(a.url, tenant, body.orderId)).body.version).toBe(2);
  });

  it('a reader whose source lags cannot replace a newer view, even over the tombstone of one', async () => {
    const tenant = newTenant();
    const { body } = await capture(a.url, tenant, orderBody(), 'version');
    const v1 = (await getOrder(a.url, tenant, body.orderId)).body as Order;
    await transition(a.url, tenant, body.orderId, 'SUBMITTED', '"1"');
    expect((await getOrder(a.url, tenant, body.orderId)).body.version).toBe(2); // cached: version 2
    await views.drop(tenant, body.orderId); // tombstone of version 2
    let loads = 0;
    const lagging = await views.get(tenant, body.orderId, async () => {
      loads++;
      return v1; // a replica still at version 1, every time it is asked
    });
    expect(lagging?.version).toBe(1);
    expect(loads).toBeGreaterThanOrEqual(1);
    expect(await cached(tenant, body.orderId)).toBeUndefined(); // refused: the tombstone remembers version 2
    expect((await getOrder(a.url, tenant, body.orderId)).body.version).toBe(2);
  });
});
