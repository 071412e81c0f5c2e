import { beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { HotKeyTracker } from '../../src/hot-keys/hot-key-tracker';
import { infraEnv } from '../../../../test/support/infra-env';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const keys = testKeys();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HotKeyTracker', () => {
  let connection: RedisConnection;
  beforeAll(async () => {
    connection = await openConnection('cache', infraEnv().redisCacheUrl);
  });

  it('ranks members by sampled reads and keeps the set bounded and expiring', async () => {
    const tracker = new HotKeyTracker({ connection, sampleRate: 1, maxMembers: 5, ttlSeconds: 60 });
    const set = keys.key('test-cache', 't1', 'hot', 'v1');
    for (let i = 0; i < 30; i++) tracker.sample(set, 'offer-hot');
    for (let i = 0; i < 10; i++) tracker.sample(set, 'offer-warm');
    for (let i = 0; i < 40; i++) tracker.sample(set, `offer-cold-${i}`);
    await sleep(100);
    expect(await tracker.top(set, 2)).toEqual(['offer-hot', 'offer-warm']);
    expect(await connection.client.zcard(set.key)).toBeLessThan(10);
    const ttl = await connection.client.pttl(set.key);
    expect(ttl).toBeGreaterThan(50_000);
  });

  it('samples a share of reads: 10,000 reads at 1/32 record a few hundred', async () => {
    const tracker = new HotKeyTracker({ connection, sampleRate: 1 / 32, ttlSeconds: 60 });
    const set = keys.key('test-cache', 't1', 'hot', 'v2');
    for (let i = 0; i < 10_000; i++) tracker.sample(set, 'offer-a');
    await sleep(100);
    const count = Number(await connection.client.zscore(set.key, 'offer-a'));
    expect(count).toBeGreaterThan(200);
    expect(count).toBeLessThan(450);
  });

  it('answers an empty list for a set that does not exist', async () => {
    const tracker = new HotKeyTracker({ connection });
    expect(await tracker.top(keys.key('test-cache', 't1', 'hot', 'none'), 10)).toEqual([]);
  });
});
