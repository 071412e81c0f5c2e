import { beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { NearCache } from '../../src/cache/near-cache';
import { JsonCodec } from '../../src/codec/json-codec';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { infraEnv } from '../../../../test/support/infra-env';
import { openConnection, testKeys } from '../support/runtime-fixtures';

interface Pointer {
  n: number;
}
const codec = new JsonCodec<Pointer>({ schemaVersion: 1 });
const keys = testKeys();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A load that reads the source at once and returns only when `release()` is called: a slow PostgreSQL query. */
function gatedLoad(read: () => Pointer) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let markRead!: () => void;
  const hasRead = new Promise<void>((r) => (markRead = r));
  const load = async () => {
    const value = read();
    markRead();
    await gate;
    return value;
  };
  return { load, release, hasRead };
}

/** Resolves to `'still waiting'` when `pending` has not settled within `ms`. */
const within = <T>(pending: Promise<T>, ms: number) =>
  Promise.race([pending, sleep(ms).then(() => 'still waiting' as const)]);

const storedPayload = async (connection: RedisConnection, key: string) =>
  (JSON.parse((await connection.client.get(key)) ?? 'null') as { payload?: Pointer } | null)?.payload;

describe('cache fills fenced against invalidation (two instances)', () => {
  let connectionA: RedisConnection;
  let connectionB: RedisConnection;

  beforeAll(async () => {
    [connectionA, connectionB] = await Promise.all([
      openConnection('cache', infraEnv().redisCacheUrl),
      openConnection('cache', infraEnv().redisCacheUrl),
    ]);
  });

  it('a slow fill that read before another instance invalidated never overwrites the newer value', async () => {
    const a = new RedisCacheAside({ connection: connectionA });
    const b = new RedisCacheAside({ connection: connectionB });
    const key = keys.key('test-cache', 't1', 'current', 'slow-fill');
    let source = 1;
    const slow = gatedLoad(() => ({ n: source }));
    const fromSource = async () => ({ n: source });

    const first = a.getOrLoad(key, codec, slow.load, { ttlSeconds: 60 });
    await slow.hasRead; // A has read version 1 and is still "loading"
    source = 2;
    await b.invalidate([key], { redis: true }); // the publish of version 2
    expect(await b.getOrLoad(key, codec, fromSource, { ttlSeconds: 60 })).toEqual({ n: 2 });
    slow.release();
    await first;

    expect(await storedPayload(connectionA, key.key)).toEqual({ n: 2 });
    const fresh = new RedisCacheAside({ connection: connectionA });
    expect(await fresh.getOrLoad(key, codec, fromSource)).toEqual({ n: 2 });
  });

  it('a read after the invalidation does not join a load that started before it', async () => {
    const a = new RedisCacheAside({ connection: connectionA });
    const b = new RedisCacheAside({ connection: connectionB });
    const key = keys.key('test-cache', 't1', 'current', 'join');
    let source = 1;
    const slow = gatedLoad(() => ({ n: source }));
    const fromSource = async () => ({ n: source });

    const first = a.getOrLoad(key, codec, slow.load, { ttlSeconds: 60 });
    await slow.hasRead;
    source = 2;
    await b.invalidate([key], { redis: true });
    try {
      expect(await within(a.getOrLoad(key, codec, fromSource, { ttlSeconds: 60 }), 1_000)).toEqual({ n: 2 });
    } finally {
      slow.release();
    }
    // the old load's caller gets what Redis holds now, not the version it read before the invalidation
    expect(await first).toEqual({ n: 2 });
    expect(await storedPayload(connectionA, key.key)).toEqual({ n: 2 });
  });

  it('a read in flight during invalidate does not refill the near-cache with the old value', async () => {
    const near = new NearCache({ ttlMs: 60_000 });
    const cache = new RedisCacheAside({ connection: connectionA, nearCache: near });
    const key = keys.key('test-cache', 't1', 'current', 'near-refill');
    await cache.set(key, codec, { n: 1 }, { ttlSeconds: 60 });
    near.clear();

    // The GET leaves first and answers version 1; the invalidation runs while its reply is on the way.
    const read = cache.getOrLoad(key, codec, async () => ({ n: 2 }), { ttlSeconds: 60 });
    const invalidated = cache.invalidate([key], { redis: true });
    expect(await read).toEqual({ n: 1 });
    await invalidated;

    expect(near.get(key.key)).toBeUndefined();
    expect(await cache.getOrLoad(key, codec, async () => ({ n: 2 }), { ttlSeconds: 60 })).toEqual({ n: 2 });
  });
});
