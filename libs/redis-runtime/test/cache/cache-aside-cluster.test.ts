import { beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheAside } from '../../src/cache/cache-aside';
import { JsonCodec } from '../../src/codec/json-codec';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const nodes = infraEnv().redisClusterNodes;
const codec = new JsonCodec<{ version: number }>({ schemaVersion: 1 });
const versionOf = (value: { version: number }) => value.version;

describe.skipIf(nodes.length === 0)('fenced cache-aside on Redis Cluster', () => {
  let a: RedisCacheAside;
  let b: RedisCacheAside;

  beforeAll(async () => {
    const seeds = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    const [first, second] = await Promise.all([
      openConnection('cache', seeds, { cluster: true }),
      openConnection('cache', seeds, { cluster: true }),
    ]);
    a = new RedisCacheAside({ connection: first! });
    b = new RedisCacheAside({ connection: second! });
  });

  it('fences fills, keeps versions and hits on every shard (single-key scripts route like GET)', async () => {
    const keys = testKeys();
    // 30 keys hash to slots on all three masters with overwhelming probability.
    for (let i = 0; i < 30; i++) {
      const key = keys.key('test-cache', uniqueId(`tn${i}`), 'current', 'version');
      let source = 1;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let markRead!: () => void;
      const hasRead = new Promise<void>((r) => (markRead = r));
      const slow = a.getOrLoad(key, codec, async () => {
        const version = source;
        markRead();
        await gate;
        return { version };
      });
      await hasRead;
      source = 2;
      await b.invalidate([key], { redis: true });
      expect(await b.getOrLoad(key, codec, async () => ({ version: source }), { versionOf })).toEqual({
        version: 2,
      });
      release();
      expect(await slow).toEqual({ version: 2 });
      expect(await b.set(key, codec, { version: 1 }, { versionOf, ttlSeconds: 60 })).toBe(false);
      expect(await a.getOrLoad(key, codec, async () => ({ version: 99 }))).toEqual({ version: 2 });
    }
  });
});
