import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { NearCache } from '../../src/cache/near-cache';
import {
  NearCacheInvalidationBus,
  type InvalidationMessage,
} from '../../src/cache/near-cache-invalidation-bus';
import { JsonCodec } from '../../src/codec/json-codec';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const keys = testKeys();

async function waitFor<T>(read: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not received in time');
    await sleep(20);
  }
}

/** Hints survive Redis going away: a private redis-server that the tests stop and restart. */
describe('NearCacheInvalidationBus when Redis restarts', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const listen = (bus: NearCacheInvalidationBus) => {
    const received: InvalidationMessage[] = [];
    bus.onInvalidate((m) => received.push(m));
    return received;
  };
  /** Publishes a hint for `key` from `from` every 100 ms until `received` has it (or 10 s pass); returns it. */
  const deliver = async (from: NearCacheInvalidationBus, received: InvalidationMessage[], key: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      await from.publish({ keys: [key] });
      await sleep(100);
      const delivered = received.find((m) => m.keys?.includes(key));
      if (delivered || Date.now() > deadline) return delivered;
    }
  };

  it('after a restart it reports "drop everything" (hints were lost) and receives hints again', async () => {
    const channel = keys.channel('test-near-cache-invalidation');
    const [a, b] = [await openConnection('cache', redis.url), await openConnection('cache', redis.url)];
    for (const c of [a, b]) c.client.on('error', () => {});
    const busA = await NearCacheInvalidationBus.open(a, channel);
    const busB = await NearCacheInvalidationBus.open(b, channel);
    const receivedA = listen(busA);
    await redis.restart();
    await waitFor(() => receivedA.find((m) => m.prefixes?.includes('')), 10_000);
    await waitFor(() => (b.ready ? true : undefined), 10_000);
    expect(await deliver(busB, receivedA, 'after-restart')).toEqual({
      keys: ['after-restart'],
      prefixes: [],
    });
    await busA.close();
    await busB.close();
  });

  it('a bus opened while Redis is down subscribes once Redis is back', async () => {
    const channel = keys.channel('test-near-cache-invalidation');
    await redis.stop();
    const a = await openConnection('cache', redis.url, { connectTimeoutMs: 200 });
    a.client.on('error', () => {});
    const busA = await NearCacheInvalidationBus.open(a, channel);
    const receivedA = listen(busA);
    await redis.restart();
    const b = await openConnection('cache', redis.url);
    const busB = await NearCacheInvalidationBus.open(b, channel);
    expect(await deliver(busB, receivedA, 'opened-while-down')).toEqual({
      keys: ['opened-while-down'],
      prefixes: [],
    });
    await busA.close();
    await busB.close();
  });

  it('when only its subscriber connection is killed, near-caches drop everything, then receive hints again', async () => {
    const channel = keys.channel('test-near-cache-invalidation');
    const codec = new JsonCodec<{ n: number }>({ schemaVersion: 1 });
    const [a, b, admin] = [
      await openConnection('cache', redis.url),
      await openConnection('cache', redis.url),
      await openConnection('cache', redis.url),
    ];
    const busA = await NearCacheInvalidationBus.open(a, channel);
    const busB = await NearCacheInvalidationBus.open(b, channel);
    const nearA = new NearCache({ ttlMs: 60_000 });
    const nearB = new NearCache({ ttlMs: 60_000 });
    const cacheA = new RedisCacheAside({ connection: a, nearCache: nearA, invalidationBus: busA });
    const cacheB = new RedisCacheAside({ connection: b, nearCache: nearB, invalidationBus: busB });
    const held = keys.key('test-cache', 't1', 'v1', 'held');
    const pointer = keys.key('test-cache', 't1', 'current', 'version');
    let version = 1;
    const load = async () => ({ n: version });
    for (const cache of [cacheA, cacheB]) {
      await cache.getOrLoad(held, codec, load);
      await cache.getOrLoad(pointer, codec, load);
    }
    expect([nearA.size, nearB.size]).toEqual([2, 2]);
    // A hint sent the moment B reports "drop everything" must arrive: by then B listens again.
    const receivedB = listen(busB);
    busB.onInvalidate((m) => {
      if (m.prefixes?.includes('') && !receivedB.some((r) => r.keys?.includes('right-after')))
        void admin.client.publish(
          channel.key,
          JSON.stringify({ schemaVersion: 1, origin: 'test', keys: ['right-after'] }),
        );
    });

    expect(await admin.client.client('KILL', 'TYPE', 'pubsub')).toBe(2);
    await waitFor(() => (nearA.size === 0 && nearB.size === 0 ? true : undefined), 10_000);
    await waitFor(() => receivedB.find((m) => m.keys?.includes('right-after')), 2_000);

    // and the next publish reaches the other instance's near-cache again
    expect(await cacheB.getOrLoad(pointer, codec, load)).toEqual({ n: 1 });
    expect(nearB.get(pointer.key)).toEqual({ n: 1 });
    version = 2;
    await cacheA.invalidate([pointer], { redis: true });
    await waitFor(() => (nearB.get(pointer.key) === undefined ? true : undefined), 1_000);
    expect(await cacheB.getOrLoad(pointer, codec, load)).toEqual({ n: 2 });
    await busA.close();
    await busB.close();
  });
});
