import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { leaseFillLock } from '../../src/cache/lease-fill-lock';
import { JsonCodec } from '../../src/codec/json-codec';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

const codec = new JsonCodec<{ page: number }>({ schemaVersion: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One "process": its own cache and rate connections, its own CacheAside (so in-process single-flight is separate). */
async function process(keys: ReturnType<typeof testKeys>): Promise<RedisCacheAside> {
  const cache: RedisConnection = await openConnection('cache', infraEnv().redisCacheUrl);
  const rate: RedisConnection = await openConnection('rate', infraEnv().redisRateUrl);
  const leases = new RedisLeaseManager({ connection: rate, keys, family: 'test-lease' });
  return new RedisCacheAside({ connection: cache, fillLock: leaseFillLock(leases) });
}

describe('distributed single-flight through a fill lease', () => {
  const keys = testKeys();
  let processes: RedisCacheAside[];

  beforeAll(async () => {
    processes = await Promise.all([process(keys), process(keys), process(keys)]);
  });

  it('loads an expensive cold key once across processes while the others wait for its result', async () => {
    const key = keys.key('test-cache', 't1', 'v1', 'page-1');
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(150);
      return { page: 1 };
    };
    const reads = processes.flatMap((cache) =>
      Array.from({ length: 50 }, () =>
        cache.getOrLoad(key, codec, load, { fill: { tenant: 't1', waitMs: 2_000 } }),
      ),
    );
    const results = await Promise.all(reads);
    expect(loads).toBe(1);
    expect(results.every((r) => r?.page === 1)).toBe(true);
  });

  it('without the fill lease, each process loads once', async () => {
    const key = keys.key('test-cache', 't1', 'v1', 'page-2');
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(150);
      return { page: 2 };
    };
    await Promise.all(
      processes.flatMap((cache) => Array.from({ length: 50 }, () => cache.getOrLoad(key, codec, load))),
    );
    expect(loads).toBe(processes.length);
  });

  it('loads anyway when the lease holder does not deliver within waitMs', async () => {
    const key = keys.key('test-cache', 't1', 'v1', 'page-3');
    let loads = 0;
    const slow = async () => {
      loads++;
      await sleep(600);
      return { page: 3 };
    };
    const [a, b] = processes as [RedisCacheAside, RedisCacheAside];
    const first = a.getOrLoad(key, codec, slow, { fill: { tenant: 't1' } });
    await sleep(30);
    const started = Date.now();
    expect(await b.getOrLoad(key, codec, slow, { fill: { tenant: 't1', waitMs: 100 } })).toEqual({ page: 3 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await first;
    expect(loads).toBe(2);
  });
});

describe('distributed single-flight when the lease Redis fails', () => {
  const keys = testKeys();
  let leaseRedis: RedisProcess;
  let cache: RedisCacheAside;
  let metrics: RuntimeMetrics;
  let cacheConnection: RedisConnection;

  beforeAll(async () => {
    leaseRedis = await startRedisProcess();
    metrics = new RuntimeMetrics();
    cacheConnection = await openConnection('cache', infraEnv().redisCacheUrl, { metrics });
    const rate = await openConnection('rate', leaseRedis.url);
    rate.client.on('error', () => undefined);
    const leases = new RedisLeaseManager({ connection: rate, keys, family: 'test-lease' });
    cache = new RedisCacheAside({
      connection: cacheConnection,
      fillLock: leaseFillLock(leases),
      jitterRatio: 0,
    });
    await leaseRedis.stop();
  });
  afterAll(async () => {
    await leaseRedis.stop();
  });

  const unavailable = () =>
    metricValue(metrics, 'redis_runtime_cache_events_total', {
      family: 'test-cache',
      event: 'fill_lock_unavailable',
    });

  it('loads at once, without waiting for a fill that nobody runs, and counts it', async () => {
    const key = keys.key('test-cache', 't1', 'v1', 'lock-down');
    let loads = 0;
    const load = async () => {
      loads++;
      return { page: 1 };
    };
    const before = await unavailable();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        cache.getOrLoad(key, codec, load, { fill: { tenant: 't1', waitMs: 5_000 } }),
      ),
    );
    // far below waitMs, even on a busy machine: nobody is polled for
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(results.every((r) => r?.page === 1)).toBe(true);
    expect(loads).toBe(1); // per-process single-flight still holds
    expect((await unavailable()) - before).toBe(1);
  });

  it('keeps refreshing stale values in the background', async () => {
    const key = keys.key('test-cache', 't1', 'v1', 'lock-down-stale');
    let version = 1;
    let loads = 0;
    const load = async () => {
      loads++;
      return { page: version };
    };
    const options = { ttlSeconds: 1, graceSeconds: 30, fill: { tenant: 't1' } };
    await cache.set(key, codec, { page: 1 }, options);
    version = 2;
    await sleep(1_100);
    expect(await cache.getOrLoad(key, codec, load, options)).toEqual({ page: 1 }); // stale, served at once
    const deadline = Date.now() + 2_000;
    while (loads === 0 && Date.now() < deadline) await sleep(20);
    expect(loads).toBe(1);
    await sleep(50);
    expect(JSON.parse((await cacheConnection.client.get(key.key))!).payload).toEqual({ page: 2 });
  });
});
