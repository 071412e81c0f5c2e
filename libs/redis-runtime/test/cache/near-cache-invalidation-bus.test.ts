import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NearCacheInvalidationBus,
  type InvalidationMessage,
} from '../../src/cache/near-cache-invalidation-bus';
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
});
