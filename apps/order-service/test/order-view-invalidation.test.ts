import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy';
import {
  capture,
  getOrder,
  newAppEnv,
  newTenant,
  orderBody,
  startOrder,
  transition,
  waitUntil,
  type OrderInstance,
} from './order-fixture';

/**
 * Two instances share a private cache Redis (A through a proxy that can cut it off). A transition acknowledged on A
 * must show on B within a second: A drops the cached view after its commit, and every instance drops it again on
 * oms.order.status-changed.v1. When A's delete cannot reach Redis, only the Kafka event fixes B's reads.
 */
describe('order-view invalidation across instances (private cache Redis, real Kafka)', () => {
  let redis: RedisProcess;
  let proxy: TcpProxy;
  let a: OrderInstance;
  let b: OrderInstance;

  beforeAll(async () => {
    redis = await startRedisProcess({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    proxy = await startTcpProxy(redis.port);
    [a, b] = await Promise.all([
      startOrder({ REDIS_CACHE_URL: proxy.url }),
      startOrder({ REDIS_CACHE_URL: redis.url }),
    ]);
  });

  afterAll(async () => {
    redis?.resume();
    await proxy?.close();
    await redis?.stop();
  });

  const cachedVersion = async (tenant: string, orderId: string): Promise<number | undefined> => {
    const raw = await b.runtime.redis
      .connection('cache')
      .client.get(b.runtime.redis.keys.key('order-view', tenant, orderId).key);
    return raw === null ? undefined : JSON.parse(raw).payload.version;
  };

  /** A captured order that B has read (so Redis holds version 1). */
  async function orderReadOnB(): Promise<{ tenant: string; orderId: string }> {
    const tenant = newTenant();
    const { body } = await capture(a.url, tenant, orderBody(), 'inv');
    expect((await getOrder(b.url, tenant, body.orderId)).body.version).toBe(1);
    expect(await cachedVersion(tenant, body.orderId)).toBe(1);
    return { tenant, orderId: body.orderId };
  }

  const visibleOnB = async (tenant: string, orderId: string, acknowledgedAt: number) => {
    await waitUntil(
      async () => (await getOrder(b.url, tenant, orderId)).body.version === 2,
      10_000,
      'version 2 on instance B',
    );
    return Date.now() - acknowledgedAt;
  };

  it('B reads the new version right after A acknowledged the transition', async () => {
    const { tenant, orderId } = await orderReadOnB();
    expect((await transition(a.url, tenant, orderId, 'SUBMITTED', '"1"')).status).toBe(200);
    const elapsed = await visibleOnB(tenant, orderId, Date.now());
    console.log(`transition visible on B ${elapsed} ms after the acknowledgement (delete reached Redis)`);
    expect(elapsed).toBeLessThan(1000);
  });

  it("with Redis paused during the transition (A's delete times out), B reads the new version within a second", async () => {
    const { tenant, orderId } = await orderReadOnB();
    redis.pause();
    let acknowledgedAt: number;
    try {
      const response = await transition(a.url, tenant, orderId, 'SUBMITTED', '"1"');
      expect(response.status).toBe(200);
      acknowledgedAt = Date.now();
    } finally {
      redis.resume();
    }
    const elapsed = await visibleOnB(tenant, orderId, acknowledgedAt);
    console.log(`transition visible on B ${elapsed} ms after the acknowledgement (Redis paused during it)`);
    expect(elapsed).toBeLessThan(1000);
  });

  it("when A's delete never reaches Redis, the Kafka event alone fixes B within a second", async () => {
    const { tenant, orderId } = await orderReadOnB();
    proxy.blackhole(true);
    let acknowledgedAt: number;
    try {
      const response = await transition(a.url, tenant, orderId, 'SUBMITTED', '"1"');
      expect(response.status).toBe(200);
      acknowledgedAt = Date.now();
    } finally {
      proxy.blackhole(false);
    }
    const elapsed = await visibleOnB(tenant, orderId, acknowledgedAt);
    console.log(`transition visible on B ${elapsed} ms after the acknowledgement (A's delete lost)`);
    expect(elapsed).toBeLessThan(1000);
    expect(await cachedVersion(tenant, orderId)).not.toBe(1);
  });

  it('without its event, a lost delete would leave the stale view: what fixed B above was the durable path', async () => {
    // An instance of another environment (its own keys), cut off the same way, whose invalidation consumer does not
    // run: its stale view stays (the event is published by the other instances' relay, but their consumers drop
    // their own environment's keys).
    const isolated = await startOrder({ REDIS_CACHE_URL: proxy.url, ORDER_EVENTS: 'off' }, newAppEnv());
    const tenant = newTenant();
    const { body } = await capture(isolated.url, tenant, orderBody(), 'inv-off');
    await getOrder(isolated.url, tenant, body.orderId);
    proxy.blackhole(true);
    try {
      expect((await transition(isolated.url, tenant, body.orderId, 'SUBMITTED', '"1"')).status).toBe(200);
    } finally {
      proxy.blackhole(false);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const key = isolated.runtime.redis.keys.key('order-view', tenant, body.orderId).key;
    const raw = await b.runtime.redis.connection('cache').client.get(key);
    expect(JSON.parse(raw!).payload.version).toBe(1);
  });
});
