import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRuntimeError, RedisUnavailableError } from '../../src/errors';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

// The production budget of a lease command is 30 ms; failing fast must stay well inside 100 ms.
const FAIL_FAST_BUDGET_MS = 100;

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RedisLeaseManager when Redis fails', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('fails fast with a typed error while Redis is down, and acquires again after a restart', async () => {
    const metrics = new RuntimeMetrics();
    const connection = await openConnection('rate', redis.url, { metrics, commandTimeoutMs: 30 });
    connection.client.on('error', () => {}); // reconnect noise while the server is down
    const leases = new RedisLeaseManager({ connection, keys: testKeys(), family: 'test-lease' });
    const resource = { tenant: uniqueId('tn'), id: uniqueId('res') };
    const before = await leases.acquire(resource, { ttlMs: 5000 });
    if (!before.acquired) throw new Error('expected to acquire');

    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const error = await leases.acquire(resource, { ttlMs: 5000, waitMs: 2000 }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(FAIL_FAST_BUDGET_MS);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as RedisRuntimeError).code).toBe('REDIS_RUNTIME_UNAVAILABLE');
    }
    expect(await metricValue(metrics, 'redis_runtime_lease_acquisitions_total', { result: 'error' })).toBe(3);

    await redis.restart(); // a fresh, empty server: the fence counter is gone
    await waitUntil(() => connection.ready, 10_000);
    const after = await leases.acquire(resource, { ttlMs: 5000 });
    if (!after.acquired) throw new Error('expected to acquire after the restart');
    expect(after.lease.fencingToken).toBeGreaterThan(before.lease.fencingToken);
  });
});
