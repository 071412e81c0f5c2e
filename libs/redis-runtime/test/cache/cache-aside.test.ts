import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { NearCache } from '../../src/cache/near-cache';
import { JsonCodec } from '../../src/codec/json-codec';
import type { RedisConnection } from '../../src/clients/redis-connection';
import type { KeyFactory } from '../../src/keys/key-factory';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

interface Offer {
  offerId: string;
  version: number;
}
const codec = new JsonCodec<Offer>({ schemaVersion: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisCacheAside against real Redis', () => {
  let connection: RedisConnection;
  let keys: KeyFactory;
  let metrics: RuntimeMetrics;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('cache', infraEnv().redisCacheUrl, { metrics });
    keys = testKeys();
  });

  const cacheEvents = (event: string) =>
    metricValue(metrics, 'redis_runtime_cache_events_total', { family: 'test-cache', event });

  function countingLoader(value: Offer, delayMs = 0) {
    const loader = async () => {
      loader.calls++;
      if (delayMs) await sleep(delayMs);
      return { ...value };
    };
    loader.calls = 0;
    return loader;
  }

  it('misses once, then serves hits without calling the loader', async () => {
    const cache = new RedisCacheAside({ connection, jitterRatio: 0 });
    const key = keys.key('test-cache', 't1', 'v1', 'offer-a');
    const load = countingLoader({ offerId: 'offer-a', version: 1 });
    const hitsBefore = await cacheEvents('hit');
    expect(await cache.getOrLoad(key, codec, load, { ttlSeconds: 60 })).toEqual({
      offerId: 'offer-a',
      version: 1,
    });
    expect(await cache.getOrLoad(key, codec, load, { ttlSeconds: 60 })).toEqual({
      offerId: 'offer-a',
      version: 1,
    });
    expect(load.calls).toBe(1);
    expect((await cacheEvents('hit')) - hitsBefore).toBe(1);
    const stored = JSON.parse((await connection.client.get(key.key))!);
    expect(stored).toMatchObject({ schemaVersion: 1, payload: { offerId: 'offer-a', version: 1 } });
    const ttl = await connection.client.ttl(key.key);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('loads again after the TTL expires', async () => {
    const cache = new RedisCacheAside({ connection, jitterRatio: 0, beta: 0 });
    const key = keys.key('test-cache', 't1', 'v1', 'short');
    const load = countingLoader({ offerId: 'short', version: 1 });
    await cache.getOrLoad(key, codec, load, { ttlSeconds: 1 });
    await cache.getOrLoad(key, codec, load, { ttlSeconds: 1 });
    expect(load.calls).toBe(1);
    await sleep(1100);
    expect(await connection.client.exists(key.key)).toBe(0);
    await cache.getOrLoad(key, codec, load, { ttlSeconds: 1 });
    expect(load.calls).toBe(2);
  });

  it('runs one load for 500 concurrent misses of a cold key in one process', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'v1', 'cold');
    const load = countingLoader({ offerId: 'cold', version: 1 }, 30);
    const results = await Promise.all(Array.from({ length: 500 }, () => cache.getOrLoad(key, codec, load)));
    expect(load.calls).toBe(1);
    expect(results.every((r) => r?.offerId === 'cold')).toBe(true);
  });

  it('treats corrupt JSON and an unknown schemaVersion as a miss, counts it and repairs the entry', async () => {
    const cache = new RedisCacheAside({ connection });
    const load = countingLoader({ offerId: 'x', version: 2 });
    const errorsBefore = await cacheEvents('decode_error');
    const corrupt = keys.key('test-cache', 't1', 'v1', 'corrupt');
    const future = keys.key('test-cache', 't1', 'v1', 'future');
    await connection.client.set(corrupt.key, '{"schemaVersion":1,"payload":', 'EX', 60);
    await connection.client.set(
      future.key,
      JSON.stringify({ schemaVersion: 99, payload: { offerId: 'x' } }),
      'EX',
      60,
    );
    expect(await cache.getOrLoad(corrupt, codec, load)).toEqual({ offerId: 'x', version: 2 });
    expect(await cache.getOrLoad(future, codec, load)).toEqual({ offerId: 'x', version: 2 });
    expect(load.calls).toBe(2);
    expect((await cacheEvents('decode_error')) - errorsBefore).toBe(2);
    expect(JSON.parse((await connection.client.get(corrupt.key))!).schemaVersion).toBe(1);
  });

  it('does not cache a value the source does not have', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'v1', 'absent');
    expect(await cache.getOrLoad(key, codec, async () => undefined)).toBeUndefined();
    expect(await connection.client.exists(key.key)).toBe(0);
  });

  it('serves a stale value during the grace period while one background load refreshes it', async () => {
    const cache = new RedisCacheAside({ connection, jitterRatio: 0, beta: 0 });
    const key = keys.key('test-cache', 't1', 'v1', 'swr');
    let version = 1;
    let calls = 0;
    const load = async () => {
      calls++;
      // far longer than the bound below: waiting for a load cannot pass for serving stale on a busy machine
      await sleep(800);
      return { offerId: 'swr', version };
    };
    await cache.getOrLoad(key, codec, load, { ttlSeconds: 1, graceSeconds: 30 });
    version = 2;
    await sleep(1100);
    const started = Date.now();
    const stale = await Promise.all(
      Array.from({ length: 20 }, () =>
        cache.getOrLoad(key, codec, load, { ttlSeconds: 1, graceSeconds: 30 }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(400);
    expect(stale.every((v) => v?.version === 1)).toBe(true);
    await sleep(1200);
    expect(calls).toBe(2);
    expect(await cache.getOrLoad(key, codec, load, { ttlSeconds: 1, graceSeconds: 30 })).toEqual({
      offerId: 'swr',
      version: 2,
    });
  });

  it('refreshes a value whose reload is expensive before it expires (XFetch)', async () => {
    const cache = new RedisCacheAside({ connection, beta: 1 });
    const key = keys.key('test-cache', 't1', 'v1', 'xfetch');
    // delta of 10^9 ms makes the early refresh all but certain while the entry is still fresh
    await cache.set(key, codec, { offerId: 'xfetch', version: 1 }, { ttlSeconds: 600, loadMs: 1e9 });
    const load = countingLoader({ offerId: 'xfetch', version: 2 });
    const early = await cacheEvents('early_refresh');
    expect(await cache.getOrLoad(key, codec, load)).toEqual({ offerId: 'xfetch', version: 1 });
    await sleep(100);
    expect(load.calls).toBe(1);
    expect((await cacheEvents('early_refresh')) - early).toBe(1);
    expect(JSON.parse((await connection.client.get(key.key))!).payload.version).toBe(2);
  });

  describe('on a private server, where every command it receives is counted', () => {
    let server: RedisProcess;
    let counted: RedisConnection;
    const countedMetrics = new RuntimeMetrics();

    beforeAll(async () => {
      server = await startRedisProcess();
      counted = await openConnection('cache', server.url, { metrics: countedMetrics });
    });
    afterAll(async () => {
      await counted?.close();
      await server?.stop();
    });

    /** Commands the server executed (INFO commandstats), the INFO calls of this count left out. */
    const serverCommands = async () => {
      const stats = await counted.client.info('commandstats');
      let calls = 0;
      for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        if (m[1] !== 'info') calls += Number(m[2]);
      return calls;
    };
    /** Commands the runtime says it sent for the family (its command histogram). */
    const sentCommands = () =>
      metricValue(countedMetrics, 'redis_runtime_command_duration_seconds', { family: 'test-cache' });

    it('answers from the near-cache without a Redis command', async () => {
      const cache = new RedisCacheAside({ connection: counted, nearCache: new NearCache({ ttlMs: 5_000 }) });
      const key = keys.key('test-cache', 't1', 'v1', 'near');
      const load = countingLoader({ offerId: 'near', version: 1 });
      const [serverBefore, sentBefore] = [await serverCommands(), await sentCommands()];
      await cache.getOrLoad(key, codec, load);
      // the counts move when a command is sent (the miss: reads and the fenced write): they can show one
      const [serverAfterMiss, sentAfterMiss] = [await serverCommands(), await sentCommands()];
      expect(serverAfterMiss).toBeGreaterThan(serverBefore);
      expect(sentAfterMiss).toBeGreaterThan(sentBefore);
      for (let i = 0; i < 10; i++)
        expect(await cache.getOrLoad(key, codec, load)).toEqual({ offerId: 'near', version: 1 });
      expect(await serverCommands()).toBe(serverAfterMiss);
      expect(await sentCommands()).toBe(sentAfterMiss);
      expect(load.calls).toBe(1);
    });
  });

  it('a Redis-tier hit is one GET and nothing else; a miss adds one script call, the fenced write', async () => {
    const cache = new RedisCacheAside({ connection, beta: 0 });
    const key = keys.key('test-cache', 't1', 'v1', 'one-get');
    const commands = async () => {
      const text = await metrics.registry.getSingleMetricAsString('redis_runtime_command_duration_seconds');
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/_count\{command="([^"]+)",family="test-cache"[^}]*\} (\d+)/g))
        counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
      return counts;
    };
    const load = countingLoader({ offerId: 'one-get', version: 1 });
    const beforeMiss = await commands();
    await cache.getOrLoad(key, codec, load);
    const afterMiss = await commands();
    expect((afterMiss.get ?? 0) - (beforeMiss.get ?? 0)).toBe(2); // the read, and the re-read before loading
    expect((afterMiss['script:writeCacheEntry'] ?? 0) - (beforeMiss['script:writeCacheEntry'] ?? 0)).toBe(1);
    for (let i = 0; i < 10; i++) await cache.getOrLoad(key, codec, load);
    const afterHits = await commands();
    const sent = Object.keys(afterHits).filter((c) => afterHits[c] !== afterMiss[c]);
    expect(sent).toEqual(['get']);
    expect(afterHits.get! - afterMiss.get!).toBe(10);
  });

  it('refuses a write without a TTL in the family range', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'v1', 'too-long');
    await expect(
      cache.set(key, codec, { offerId: 'x', version: 1 }, { ttlSeconds: 100_000 }),
    ).rejects.toThrow(/outside/);
  });

  afterEach(() => undefined);
});
