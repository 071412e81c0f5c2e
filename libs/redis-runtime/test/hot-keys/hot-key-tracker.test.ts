import { beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { HotKeyTracker } from '../../src/hot-keys/hot-key-tracker';
import type { RedisKey } from '../../src/keys/key-factory';
import { infraEnv } from '../../../../test/support/infra-env';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const keys = testKeys();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tracker sampling at 0.5 whose draws fall under the rate exactly every fourth time (1 read in 4 recorded). */
function everyFourthRecorded(connection: RedisConnection): HotKeyTracker {
  let draw = 0;
  return new HotKeyTracker({
    connection,
    sampleRate: 0.5,
    ttlSeconds: 60,
    random: () => (draw++ % 4 === 0 ? 0.1 : 0.9),
  });
}

/** A set given as a function that counts how often it is built. */
function lazySetOf(set: RedisKey): { build: () => RedisKey; built: () => number } {
  let built = 0;
  return {
    build: () => {
      built++;
      return set;
    },
    built: () => built,
  };
}

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

  it('builds a set given as a function only for the reads it records', async () => {
    const tracker = everyFourthRecorded(connection); // 100 reads -> 25 recorded
    const set = keys.key('test-cache', 't1', 'hot', 'v2-lazy');
    const lazy = lazySetOf(set);
    for (let i = 0; i < 100; i++) tracker.sample(lazy.build, 'offer-a');
    await sleep(100);
    expect(lazy.built()).toBe(25);
    expect(Number(await connection.client.zscore(set.key, 'offer-a'))).toBe(25);
  });

  it('counts reads in process and sends them in one call per set when flushed', async () => {
    const tracker = new HotKeyTracker({ connection, maxMembers: 50, ttlSeconds: 60 });
    const set = keys.key('test-cache', 't1', 'hot', 'v3');
    for (let i = 0; i < 500; i++) tracker.count(set, 'offer-hot');
    for (let i = 0; i < 7; i++) tracker.count(set, 'offer-warm');
    tracker.count(set, 'offer-cold');
    expect(await connection.client.exists(set.key)).toBe(0); // nothing sent before the flush
    await tracker.flush();
    expect(await connection.client.zrevrange(set.key, 0, -1, 'WITHSCORES')).toEqual([
      'offer-hot',
      '500',
      'offer-warm',
      '7',
      'offer-cold',
      '1',
    ]);
    await tracker.flush(); // nothing counted since: nothing added
    expect(await connection.client.zscore(set.key, 'offer-hot')).toBe('500');
  });

  it("flush(sets) sends only those sets' counts; the others wait for the next flush", async () => {
    const tracker = new HotKeyTracker({ connection, ttlSeconds: 60 });
    const [wanted, other] = [
      keys.key('test-cache', 't1', 'hot', 'v8'),
      keys.key('test-cache', 't2', 'hot', 'v8'),
    ];
    for (let i = 0; i < 3; i++) tracker.count(wanted, 'offer-a');
    tracker.count(other, 'offer-b');
    await tracker.flush([wanted, keys.key('test-cache', 't3', 'hot', 'v8')]);
    expect(await connection.client.zscore(wanted.key, 'offer-a')).toBe('3');
    expect(await connection.client.exists(other.key)).toBe(0);
    await tracker.flush();
    expect(await connection.client.zscore(other.key, 'offer-b')).toBe('1');
    expect(await connection.client.zscore(wanted.key, 'offer-a')).toBe('3'); // sent once
  });

  it('counts a share of reads in process, building the set only for those, and sends them when flushed', async () => {
    const tracker = everyFourthRecorded(connection); // 200 reads of offer-a, 40 of offer-b -> 50 and 10 counted
    const set = keys.key('test-cache', 't1', 'hot', 'v3-sampled');
    const lazy = lazySetOf(set);
    for (let i = 0; i < 200; i++) tracker.countSampled(lazy.build, 'offer-a');
    for (let i = 0; i < 40; i++) tracker.countSampled(lazy.build, 'offer-b');
    expect(lazy.built()).toBe(60);
    expect(await connection.client.exists(set.key)).toBe(0); // nothing sent before the flush
    await tracker.flush();
    expect(await connection.client.zrevrange(set.key, 0, -1, 'WITHSCORES')).toEqual([
      'offer-a',
      '50',
      'offer-b',
      '10',
    ]);
  });

  it('trackHotKey under 200 concurrent flushes: every count lands and the set stays bounded', async () => {
    const set = keys.key('test-cache', 't1', 'hot', 'v4');
    const trackers = Array.from(
      { length: 200 },
      () => new HotKeyTracker({ connection, maxMembers: 20, ttlSeconds: 60 }),
    );
    trackers.forEach((tracker, i) => {
      for (let j = 0; j < 3; j++) tracker.count(set, 'offer-shared');
      tracker.count(set, `offer-own-${i}`);
    });
    await Promise.all(trackers.map((t) => t.flush()));
    expect(await connection.client.zscore(set.key, 'offer-shared')).toBe('600');
    expect(await connection.client.zcard(set.key)).toBeLessThan(40);
    expect(await connection.client.zrevrange(set.key, 0, 0)).toEqual(['offer-shared']);
  });

  it('answers an empty list for a set that does not exist', async () => {
    const tracker = new HotKeyTracker({ connection });
    expect(await tracker.top(keys.key('test-cache', 't1', 'hot', 'none'), 10)).toEqual([]);
  });
});
