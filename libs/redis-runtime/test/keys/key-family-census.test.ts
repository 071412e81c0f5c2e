import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { censusOf } from '../../src/keys/key-family-census';
import { KeyFactory } from '../../src/keys/key-factory';
import { platformKeyFamilyRegistry } from '../../src/keys/platform-key-families';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';

const registry = platformKeyFamilyRegistry();
const keys = new KeyFactory(registry, 'prod');

describe('censusOf (a private redis-server holding a known keyspace)', () => {
  let server: RedisProcess;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedisProcess();
    client = new Redis(server.url);
    const price = (i: number) => keys.key('price', `t${i % 7}`, 'v3', `offer-${i}`, 'USD', 't36').key;
    const pipeline = client.pipeline();
    // 1,500 prices of ~1 KB (more than one SCAN step), 40 offers of ~100 B, one of them without a TTL
    for (let i = 0; i < 1500; i++) pipeline.set(price(i), 'p'.repeat(1000), 'EX', 600);
    for (let i = 0; i < 40; i++)
      pipeline.set(keys.key('catalog-offer', 'acme', 'v1', `o-${i}`).key, 'o'.repeat(100), 'EX', 600);
    pipeline.persist(keys.key('catalog-offer', 'acme', 'v1', 'o-7').key);
    pipeline.set(new KeyFactory(registry, 'staging').key('price', 'acme', 'v1', 'x').key, '1', 'EX', 600);
    pipeline.set('legacy:session:42', 'x'); // nothing declared, no TTL
    await pipeline.exec();
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('counts every family, flags keys without TTL, sizes the families and lists the rest', async () => {
    const census = await censusOf(client, { registry, env: 'prod', scanCount: 200, samplePerFamily: 10 });
    expect(census.scanned).toBe(1500 + 40 + 1 + 1);
    expect(census.families.map((f) => [f.family, f.keys, f.withoutTtl])).toEqual([
      ['price', 1500, 0],
      ['catalog-offer', 40, 1],
    ]);
    const [prices, offers] = census.families;
    expect(prices!.sampled).toBe(10);
    // MEMORY USAGE of a 1,000-byte value with its key and overhead: a bit over 1 KB
    expect(prices!.estimatedBytes / 1500).toBeGreaterThan(1000);
    expect(prices!.estimatedBytes / 1500).toBeLessThan(1300);
    expect(offers!.estimatedBytes).toBeLessThan(prices!.estimatedBytes);
    expect(census.otherEnvs).toEqual({ staging: 1 });
    expect(census).toMatchObject({ unknown: 1, unknownWithoutTtl: 1, unknownSamples: ['legacy:session:42'] });
  });

  it('walks every master of a Cluster', async () => {
    const nodes = infraEnv().redisClusterNodes;
    if (nodes.length === 0) return;
    const cluster = new Redis.Cluster(nodes);
    try {
      const env = `census${Date.now().toString(36)}`;
      const clusterKeys = new KeyFactory(registry, env);
      for (let i = 0; i < 60; i++)
        await cluster.set(clusterKeys.key('price', `t${i}`, 'v1', 'o').key, 'x', 'EX', 60);
      const census = await censusOf(cluster, { registry, env });
      expect(census.families.find((f) => f.family === 'price')?.keys).toBe(60);
    } finally {
      cluster.disconnect();
    }
  });
});
