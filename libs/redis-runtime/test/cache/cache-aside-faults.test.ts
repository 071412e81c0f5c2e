import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { NearCache } from '../../src/cache/near-cache';
import { NearCacheInvalidationBus } from '../../src/cache/near-cache-invalidation-bus';
import { JsonCodec } from '../../src/codec/json-codec';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

const codec = new JsonCodec<{ n: number }>({ schemaVersion: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The production budget for a cache GET is 20 ms; the whole fallback read must stay well inside 100 ms.
const COMMAND_TIMEOUT_MS = 20;
const FALLBACK_BUDGET_MS = 100;

describe('RedisCacheAside when Redis fails', () => {
  let redis: RedisProcess;
  const keys = testKeys();

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('falls back to the source within the budget when the Redis process is killed, and hits again after restart', async () => {
    const metrics = new RuntimeMetrics();
    const connection = await openConnection('cache', redis.url, {
      metrics,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'v1', 'killed');
    let loads = 0;
    const load = async () => ({ n: ++loads });
    await cache.getOrLoad(key, codec, load);
    expect(await cache.getOrLoad(key, codec, load)).toEqual({ n: 1 });

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect(await cache.getOrLoad(key, codec, load)).toEqual({ n: loads });
      expect(performance.now() - started).toBeLessThan(FALLBACK_BUDGET_MS);
    }
    expect(loads).toBe(6);
    expect(await metricValue(metrics, 'redis_runtime_cache_events_total', { event: 'fallback' })).toBe(5);

    await redis.restart();
    await waitUntil(() => connection.ready, 5_000);
    const loadsBefore = loads;
    await cache.getOrLoad(key, codec, load); // fresh server: a miss that fills it
    expect(await cache.getOrLoad(key, codec, load)).toEqual({ n: loads });
    expect(loads).toBe(loadsBefore + 1);
  });

  it('stops waiting for a hung Redis after the soft timeout and serves the source', async () => {
    const connection = await openConnection('cache', redis.url, { commandTimeoutMs: 1_000 });
    const cache = new RedisCacheAside({ connection, redisTimeoutMs: COMMAND_TIMEOUT_MS });
    const key = keys.key('test-cache', 't1', 'v1', 'hung');
    redis.pause();
    try {
      const started = performance.now();
      expect(await cache.getOrLoad(key, codec, async () => ({ n: 7 }))).toEqual({ n: 7 });
      expect(performance.now() - started).toBeLessThan(FALLBACK_BUDGET_MS * 2);
    } finally {
      redis.resume();
    }
  });

  it('swallows and counts a failed cache write, still returning the loaded value', async () => {
    const admin = await openConnection('cache', redis.url);
    await admin.client.call(
      'ACL',
      'SETUSER',
      'reader',
      'on',
      '>secret',
      '~*',
      '+@read',
      '+@connection',
      '+ping',
    );
    const metrics = new RuntimeMetrics();
    const url = redis.url.replace('redis://', 'redis://reader:secret@');
    const connection = await openConnection('cache', url, { metrics });
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'v1', 'readonly');
    expect(await cache.getOrLoad(key, codec, async () => ({ n: 1 }))).toEqual({ n: 1 });
    expect(await metricValue(metrics, 'redis_runtime_cache_events_total', { event: 'set_failure' })).toBe(1);
    expect(await admin.client.exists(key.key)).toBe(0);
  });

  it('drops near-cache entries on every instance when one invalidates, through Redis Pub/Sub', async () => {
    const channel = keys.channel('test-near-cache-invalidation');
    const a = await openConnection('cache', redis.url);
    const b = await openConnection('cache', redis.url);
    const busA = await NearCacheInvalidationBus.open(a, channel);
    const busB = await NearCacheInvalidationBus.open(b, channel);
    const nearA = new NearCache({ ttlMs: 60_000 });
    const nearB = new NearCache({ ttlMs: 60_000 });
    const cacheA = new RedisCacheAside({ connection: a, nearCache: nearA, invalidationBus: busA });
    const cacheB = new RedisCacheAside({ connection: b, nearCache: nearB, invalidationBus: busB });
    const key = keys.key('test-cache', 't1', 'current', 'version');
    let version = 1;
    const load = async () => ({ n: version });
    expect(await cacheA.getOrLoad(key, codec, load)).toEqual({ n: 1 });
    expect(await cacheB.getOrLoad(key, codec, load)).toEqual({ n: 1 });
    expect(nearB.get(key.key)).toEqual({ n: 1 });

    version = 2;
    await cacheA.invalidate([key], { redis: true });
    await waitUntil(() => nearB.get(key.key) === undefined, 1_000);
    expect(await cacheB.getOrLoad(key, codec, load)).toEqual({ n: 2 });
    await busA.close();
    await busB.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
