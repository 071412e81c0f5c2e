import { beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { encodeEntry, fenceOf } from '../../src/cache/cache-entry';
import { writeEntry } from '../../src/cache/cache-entry-writes';
import { NearCache } from '../../src/cache/near-cache';
import { JsonCodec } from '../../src/codec/json-codec';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

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

interface OrderView {
  orderId: string;
  version: number;
}
const viewCodec = new JsonCodec<OrderView>({ schemaVersion: 1 });
const byVersion = { versionOf: (view: OrderView) => view.version, ttlSeconds: 60 };

describe('versioned values (versionOf): a write never replaces a higher version', () => {
  let connection: RedisConnection;

  beforeAll(async () => {
    connection = await openConnection('cache', infraEnv().redisCacheUrl);
  });

  it('set refuses a lower version, accepts the same or a higher one', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'order', 'set');
    const view = (version: number) => ({ orderId: 'o1', version });
    expect(await cache.set(key, viewCodec, view(5), byVersion)).toBe(true);
    expect(await cache.set(key, viewCodec, view(3), byVersion)).toBe(false);
    expect(await cache.set(key, viewCodec, view(5), byVersion)).toBe(true);
    expect(await cache.set(key, viewCodec, view(6), byVersion)).toBe(true);
    expect(await storedPayload(connection, key.key)).toEqual(view(6));
    await expect(cache.set(key, viewCodec, view(1.5), byVersion)).rejects.toMatchObject({
      code: 'REDIS_RUNTIME_INVALID_CACHE_VERSION',
    });
  });

  it('the tombstone of a dropped view keeps its version: a lagging fill after the drop is refused', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'order', 'floor');
    expect(await cache.set(key, viewCodec, { orderId: 'o1', version: 7 }, byVersion)).toBe(true);
    await cache.invalidate([key], { redis: true });
    // a reader whose source lags (say, a replica) loads version 6 after the drop: answered, never stored
    const lagging = await cache.getOrLoad(
      key,
      viewCodec,
      async () => ({ orderId: 'o1', version: 6 }),
      byVersion,
    );
    expect(lagging?.version).toBe(6);
    expect(await connection.client.get(key.key)).toMatch(/"version":7,"tombstone":true}$/);
    const current = await cache.getOrLoad(
      key,
      viewCodec,
      async () => ({ orderId: 'o1', version: 8 }),
      byVersion,
    );
    expect(current?.version).toBe(8);
    expect(await storedPayload(connection, key.key)).toEqual({ orderId: 'o1', version: 8 });
  });

  it('a view dropped on every transition and refilled by concurrent readers on three instances never answers a version older than the last drop before the read', async () => {
    const instances = await Promise.all(
      [0, 1, 2].map(
        async () =>
          new RedisCacheAside({ connection: await openConnection('cache', infraEnv().redisCacheUrl) }),
      ),
    );
    const writer = instances[0]!;
    const key = keys.key('test-cache', 't1', 'order', 'transitions');
    let source = 1; // the order's version in the source of truth
    let dropped = 0; // the last version whose drop (invalidate) had returned
    const load = async () => {
      const version = source;
      await sleep(Math.random() * 30); // loads slow enough to span transitions
      return { orderId: 'o1', version };
    };
    const stale: string[] = [];
    let running = true;
    const readers = instances.flatMap((cache, i) =>
      Array.from({ length: 4 }, async () => {
        while (running) {
          const floor = dropped;
          const view = await cache.getOrLoad(key, viewCodec, load, byVersion);
          if (view!.version < floor)
            stale.push(`instance ${i} answered v${view!.version} after v${floor} was dropped`);
        }
      }),
    );
    for (let transition = 2; transition <= 30; transition++) {
      await sleep(15);
      source = transition;
      await writer.invalidate([key], { redis: true });
      dropped = transition;
    }
    await sleep(50);
    running = false;
    await Promise.all(readers);

    expect(stale).toEqual([]);
    const last = await writer.getOrLoad(key, viewCodec, load, byVersion);
    expect(last?.version).toBe(30);
    expect(await storedPayload(connection, key.key)).toEqual({ orderId: 'o1', version: 30 });
  });
});

describe('the fence outlives what it guards, within limits', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('cache', infraEnv().redisCacheUrl, { metrics });
  });

  it('a short-lived value written over a tombstone keeps the fence after it expires, and is not served past its TTL', async () => {
    const cache = new RedisCacheAside({ connection, fenceTtlSeconds: 60, jitterRatio: 0, beta: 0 });
    const key = keys.key('test-cache', 't1', 'current', 'retained');
    await cache.set(key, codec, { n: 1 }, { ttlSeconds: 60 });
    const before = (await connection.client.get(key.key))!; // what a slow fill would have read
    await cache.invalidate([key], { redis: true });
    expect(await cache.getOrLoad(key, codec, async () => ({ n: 2 }), { ttlSeconds: 1 })).toEqual({ n: 2 });
    expect(await connection.client.pttl(key.key)).toBeGreaterThan(50_000);

    await sleep(1_100);
    // past its own TTL: a miss, though Redis still holds it (as the fence's carrier)
    expect(await cache.getOrLoad(key, codec, async () => ({ n: 3 }), { ttlSeconds: 1 })).toEqual({ n: 3 });
    expect(await cache.peek(key, codec)).toEqual({ n: 3 });
    // a fill that read before the invalidation is still refused
    const stale = encodeEntry(
      codec,
      { n: 1 },
      {
        fence: fenceOf(before),
        version: undefined,
        freshUntil: Date.now() + 60_000,
        delta: 0,
        expiresAt: Date.now() + 60_000,
      },
    );
    expect(
      await writeEntry(connection, key, stale, {
        mode: 'fill',
        fence: fenceOf(before),
        version: undefined,
        ttlMs: 60_000,
      }),
    ).toMatchObject({ kind: 'newer-value' });
    expect(await storedPayload(connection, key.key)).toEqual({ n: 3 });
  });

  it('a fill slower than half the fence TTL is served but not written, and counted', async () => {
    const cache = new RedisCacheAside({ connection, fenceTtlSeconds: 2 });
    const key = keys.key('test-cache', 't1', 'current', 'late');
    const late = () =>
      metricValue(metrics, 'redis_runtime_cache_events_total', { family: 'test-cache', event: 'late_fill' });
    const before = await late();
    const slow = async () => {
      await sleep(1_100);
      return { n: 1 };
    };
    expect(await cache.getOrLoad(key, codec, slow)).toEqual({ n: 1 });
    expect(await connection.client.exists(key.key)).toBe(0);
    expect((await late()) - before).toBe(1);
  });

  it('fences keep increasing after the tombstone is gone (evicted, expired)', async () => {
    const cache = new RedisCacheAside({ connection });
    const key = keys.key('test-cache', 't1', 'current', 'gone');
    await cache.invalidate([key], { redis: true });
    const first = fenceOf(await connection.client.get(key.key));
    await connection.client.del(key.key); // what an eviction does
    await cache.invalidate([key], { redis: true });
    expect(fenceOf(await connection.client.get(key.key))).toBeGreaterThan(first);
  });
});
