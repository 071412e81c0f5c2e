import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedisProcess } from '../support/redis-process';

describe('startRedisProcess (test helper for fault tests)', () => {
  let redis: RedisProcess | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('runs a private, empty server that really dies on stop() and comes back empty on restart()', async () => {
    redis = await startRedisProcess();
    const pid = redis.pid;
    client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    await client.connect();
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    await client.set('k', 'v');

    await redis.stop();
    expect(redis.running).toBe(false);
    expect(() => process.kill(pid!, 0)).toThrow(); // the process is gone
    client.disconnect();

    await redis.restart();
    expect(redis.pid).not.toBe(pid);
    client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    expect(await client.get('k')).toBeNull();
  });
});
