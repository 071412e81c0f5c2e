import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, createRedisClient } from '../../src/clients/redis-client-factory';
import { DEFAULT_TIMEOUTS } from '../../src/clients/redis-config';
import { RedisConnection } from '../../src/clients/redis-connection';
import { RedisServerStats } from '../../src/observability/redis-server-stats';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { startOneNodeCluster } from '../support/one-node-cluster';
import { openConnection } from '../support/runtime-fixtures';

const MAXMEMORY = 4 * 1024 * 1024;

/** `name{labels} value` lines of one metric, as a map from the label text to the value. */
const series = (text: string, name: string): Map<string, number> => {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (match) found.set(match[1]!, Number(match[2]));
  }
  return found;
};

describe('RedisServerStats: the servers behind the workloads on /metrics', () => {
  let lru: RedisProcess;
  let registry: Registry;
  let cache: RedisConnection;

  beforeAll(async () => {
    lru = await startRedisProcess({
      args: ['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'allkeys-lru'],
    });
    cache = await openConnection('cache', lru.url, { commandTimeoutMs: 1000 });
    cache.client.on('error', () => {});
    const rate = await openConnection('rate', infraEnv().redisRateUrl);
    const session = await openConnection('session', infraEnv().redisSessionUrl);
    registry = new Registry();
    new RedisServerStats({ cache, rate, session }, { registry, maxAgeMs: 0, timeoutMs: 300 });
  });
  afterAll(async () => {
    await lru.stop();
  });

  it('shows memory against maxmemory, evictions under pressure, and the eviction policy per workload', async () => {
    const before = series(await registry.metrics(), 'redis_runtime_server_evicted_keys_total');
    expect(before.get('workload="cache"')).toBe(0);
    const value = 'v'.repeat(1024);
    for (let batch = 0; batch < 16; batch++) {
      const pipeline = cache.client.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`fill:${batch}:${i}`, value);
      await pipeline.exec();
    }
    const text = await registry.metrics();
    expect(series(text, 'redis_runtime_server_up')).toEqual(
      new Map([
        ['workload="cache"', 1],
        ['workload="rate"', 1],
        ['workload="session"', 1],
      ]),
    );
    expect(series(text, 'redis_runtime_server_maxmemory_bytes').get('workload="cache"')).toBe(MAXMEMORY);
    const used = series(text, 'redis_runtime_server_used_memory_bytes').get('workload="cache"')!;
    expect(used).toBeGreaterThan(MAXMEMORY / 2);
    expect(used).toBeLessThanOrEqual(MAXMEMORY * 1.1);
    // 8000 KiB written into 4 MiB: the server must have evicted
    expect(series(text, 'redis_runtime_server_evicted_keys_total').get('workload="cache"')).toBeGreaterThan(
      0,
    );
    expect(
      series(text, 'redis_runtime_server_connected_clients').get('workload="cache"'),
    ).toBeGreaterThanOrEqual(1);
    const info = [...series(text, 'redis_runtime_server_info').keys()];
    expect(info.find((labels) => labels.startsWith('workload="cache"'))).toContain(
      'maxmemory_policy="allkeys-lru"',
    );
  });

  it('reports a hung server as down within the scrape budget and a killed one as down, the others still up', async () => {
    lru.pause();
    try {
      const text = await registry.metrics();
      expect(series(text, 'redis_runtime_server_up').get('workload="cache"')).toBe(0);
      expect(series(text, 'redis_runtime_server_up').get('workload="rate"')).toBe(1);
      expect(series(text, 'redis_runtime_server_used_memory_bytes').has('workload="cache"')).toBe(false);
    } finally {
      lru.resume();
    }
    await lru.stop();
    const text = await registry.metrics();
    expect(series(text, 'redis_runtime_server_up').get('workload="cache"')).toBe(0);
    expect(series(text, 'redis_runtime_server_up').get('workload="session"')).toBe(1);
  });
});

describe('RedisServerStats on connections with production command budgets', () => {
  let server: RedisProcess;
  let registry: Registry;
  const connections: RedisConnection[] = [];

  beforeAll(async () => {
    server = await startRedisProcess();
    // as `RedisConnection.open` builds them without REDIS_*_TIMEOUT_MS: 20-30 ms per command
    const open = async (workload: 'cache' | 'rate' | 'session') => {
      const client = createRedisClient({ url: server.url, cluster: false, connectTimeoutMs: 500 }, workload);
      const connection = new RedisConnection(workload, client);
      await connectClient(client, 500);
      connections.push(connection);
      return connection;
    };
    registry = new Registry();
    new RedisServerStats(
      { cache: await open('cache'), rate: await open('rate'), session: await open('session') },
      { registry, maxAgeMs: 0 },
    );
  });
  afterAll(async () => {
    server.resume();
    await Promise.all(connections.map((c) => c.close()));
    await server.stop();
  });

  it('reports a server that stalls for 100 ms as up: INFO has the scrape budget (500 ms), not the command budget', async () => {
    expect(series(await registry.metrics(), 'redis_runtime_server_up').get('workload="cache"')).toBe(1);
    expect(await upThroughStall(server, registry)).toEqual(
      new Map([
        ['workload="cache"', 1],
        ['workload="rate"', 1],
        ['workload="session"', 1],
      ]),
    );
  });

  it('does the same on a Cluster, whose nodes time each command with the workload budget', async () => {
    const node = await startOneNodeCluster();
    try {
      const cluster = await openConnection('cache', node.seed, {
        cluster: true,
        commandTimeoutMs: DEFAULT_TIMEOUTS.cache.commandTimeoutMs,
      });
      const clusterRegistry = new Registry();
      const [rate, session] = connections.slice(1);
      new RedisServerStats(
        { cache: cluster, rate: rate!, session: session! },
        { registry: clusterRegistry, maxAgeMs: 0 },
      );
      const before = series(await clusterRegistry.metrics(), 'redis_runtime_server_up');
      expect(before.get('workload="cache"')).toBe(1);
      expect((await upThroughStall(node, clusterRegistry)).get('workload="cache"')).toBe(1);
    } finally {
      node.resume();
      await node.stop();
    }
  });
});

/** One scrape started while the server is paused, resumed 100 ms later: `redis_runtime_server_up` per workload. */
async function upThroughStall(server: RedisProcess, registry: Registry): Promise<Map<string, number>> {
  server.pause();
  const scrape = registry.metrics();
  await new Promise((r) => setTimeout(r, 100));
  server.resume();
  return series(await scrape, 'redis_runtime_server_up');
}
