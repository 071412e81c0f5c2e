import { beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { encodeEntry, fenceOf, isTombstone } from '../../src/cache/cache-entry';
import { writeEntry, writeTombstone } from '../../src/cache/cache-entry-writes';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { JsonCodec } from '../../src/codec/json-codec';
import { infraEnv } from '../../../../test/support/infra-env';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const CALLERS = 200;
const keys = testKeys();
const codec = new JsonCodec<{ version: number }>({ schemaVersion: 1 });
const shuffled = (n: number) => {
  const values = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
};

/** The cache scripts under many concurrent callers, spread over several connections so their commands interleave. */
describe('writeCacheEntry and invalidateCacheEntry under 200 concurrent callers', () => {
  let connections: RedisConnection[];

  beforeAll(async () => {
    connections = await Promise.all(
      Array.from({ length: 4 }, () => openConnection('cache', infraEnv().redisCacheUrl)),
    );
  });

  it('of 200 versioned writes in random order, the highest version is what stays', async () => {
    const caches = connections.map((connection) => new RedisCacheAside({ connection }));
    const key = keys.key('test-cache', 't1', 'atomic', 'versions');
    const versionOf = (value: { version: number }) => value.version;
    const results = await Promise.all(
      shuffled(CALLERS).map((version, i) =>
        caches[i % caches.length]!.set(key, codec, { version }, { ttlSeconds: 60, versionOf }),
      ),
    );
    expect(results).toContain(true);
    expect(JSON.parse((await connections[0]!.client.get(key.key))!).payload).toEqual({ version: CALLERS });
  });

  it('no fill that read before 100 concurrent invalidations lands after any of them; fences are all distinct', async () => {
    const key = keys.key('test-cache', 't1', 'atomic', 'fences');
    const now = Date.now();
    const entry = encodeEntry(
      codec,
      { version: 1 },
      { fence: 0, version: undefined, freshUntil: now + 60_000, delta: 0, expiresAt: now + 60_000 },
    );
    const fill = { mode: 'fill' as const, fence: 0, version: undefined, ttlMs: 60_000 };
    const calls = Array.from({ length: CALLERS }, (_, i) => {
      const connection = connections[i % connections.length]!;
      return i % 2 === 0
        ? writeTombstone(connection, key, 60_000).then((fence) => ({ fence }))
        : writeEntry(connection, key, entry, fill).then((outcome) => ({ outcome }));
    });
    const results = await Promise.all(calls);

    const fences = results.flatMap((r) => ('fence' in r ? [r.fence] : []));
    expect(new Set(fences).size).toBe(CALLERS / 2);
    const stored = (await connections[0]!.client.get(key.key))!;
    expect(isTombstone(stored)).toBe(true);
    expect(fenceOf(stored)).toBe(Math.max(...fences));
    // every fill that came after the first invalidation was refused by its tombstone
    const outcomes = results.flatMap((r) => ('outcome' in r ? [r.outcome.kind] : []));
    expect(outcomes.filter((kind) => kind !== 'written' && kind !== 'invalidated')).toEqual([]);
    expect(outcomes).toContain('invalidated');
  });
});
