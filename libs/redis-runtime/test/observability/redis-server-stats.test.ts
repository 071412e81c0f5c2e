import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisServerStats } from '../../src/observability/redis-server-stats';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
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
