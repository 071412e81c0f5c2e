import { beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { leaseFillLock } from '../../src/cache/lease-fill-lock';
import { JsonCodec } from '../../src/codec/json-codec';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { infraEnv } from '../../../../test/support/infra-env';
import { openConnection, testKeys } from '../support/runtime-fixtures';

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
