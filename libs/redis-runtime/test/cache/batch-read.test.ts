import { beforeAll, describe, expect, it } from 'vitest';
import { readMany } from '../../src/cache/batch-read';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisUnavailableError } from '../../src/errors';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const keys = testKeys();

/** Commands of one name the connection has sent (its latency histogram's sample count). */
async function commandCount(metrics: RuntimeMetrics, command: string): Promise<number> {
  const text = await metrics.registry.metrics();
  let total = 0;
  for (const m of text.matchAll(/^redis_runtime_command_duration_seconds_count\{([^}]*)\} (\d+)/gm))
    if (m[1]!.includes(`command="${command}"`)) total += Number(m[2]);
  return total;
}

describe('readMany', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('cache', infraEnv().redisCacheUrl, { metrics });
  });

  const commands = (command: string) => commandCount(metrics, command);

  it('reads 500 keys in key order with one MGET, null for the missing ones', async () => {
    const tenant = uniqueId('tn');
    const all = Array.from({ length: 500 }, (_, i) => keys.key('test-cache', tenant, `k${i}`));
    for (const [i, key] of all.entries())
      if (i % 3 !== 0) await connection.client.set(key.key, `v${i}`, 'EX', 60);
    const [mgetBefore, getBefore] = [await commands('mget'), await commands('get')];
    const values = await readMany(connection, all);
    expect(values).toEqual(all.map((_, i) => (i % 3 === 0 ? null : `v${i}`)));
    expect((await commands('mget')) - mgetBefore).toBe(1);
    expect((await commands('get')) - getBefore).toBe(0);
  });

  it('answers an empty list without a command', async () => {
    const before = await commands('mget');
    expect(await readMany(connection, [])).toEqual([]);
    expect(await commands('mget')).toBe(before);
  });

  it('rejects with a typed error when Redis is down, so the caller treats every key as a miss', async () => {
    const redis = await startRedisProcess();
    try {
      const down = await openConnection('cache', redis.url, { commandTimeoutMs: 100 });
      down.client.on('error', () => undefined);
      await redis.stop();
      await expect(readMany(down, [keys.key('test-cache', 't1', 'a')])).rejects.toBeInstanceOf(
        RedisUnavailableError,
      );
    } finally {
      await redis.stop();
    }
  });
});

const nodes = infraEnv().redisClusterNodes;

describe.skipIf(nodes.length === 0)('readMany on Redis Cluster', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    const seeds = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    connection = await openConnection('cache', seeds, { cluster: true, metrics });
  });

  it('reads one tenant-tagged family in one MGET per tenant, and untagged keys across slots one GET each', async () => {
    const tenants = [uniqueId('ta'), uniqueId('tb')];
    const tagged = tenants.flatMap((t) =>
      Array.from({ length: 20 }, (_, i) => keys.key('test-rate', t, `k${i}`)),
    );
    const untagged = Array.from({ length: 10 }, (_, i) => keys.key('test-cache', uniqueId('tc'), `k${i}`));
    const all = [...untagged.slice(0, 5), ...tagged, ...untagged.slice(5)];
    for (const [i, key] of all.entries())
      if (i % 2 === 0) await connection.client.set(key.key, `v${i}`, 'EX', 60);
    const count = (command: string) => commandCount(metrics, command);
    const [mgetBefore, getBefore] = [await count('mget'), await count('get')];
    expect(await readMany(connection, all)).toEqual(all.map((_, i) => (i % 2 === 0 ? `v${i}` : null)));
    expect((await count('mget')) - mgetBefore).toBe(2);
    expect((await count('get')) - getBefore).toBe(10);
  });
});
