import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRuntimeError, RedisTimeoutError, RedisUnavailableError } from '../../src/errors';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

// The production budget of a lease command is 30 ms; failing fast must stay well inside 100 ms.
const FAIL_FAST_BUDGET_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  it('an acquire that timed out leaves no lease behind once Redis runs the late script', async () => {
    // 100 ms budget: the acquire times out after 100-150 ms; a pause under 1 s keeps the connection (the
    // sweeper drops a connection only once its oldest command has waited 1 s), so the server still receives
    // and runs the script when it wakes up, after the client gave up on it.
    const connection = await openConnection('rate', redis.url, { commandTimeoutMs: 100 });
    connection.client.on('error', () => {});
    const keys = testKeys();
    const leases = new RedisLeaseManager({ connection, keys, family: 'test-lease' });
    const resource = { tenant: uniqueId('tn'), id: uniqueId('res') };
    const [holderKey, fenceKey] = (['holder', 'fence'] as const).map(
      (which) => keys.key('test-lease', resource.tenant, resource.id, which).key,
    );

    redis.pause();
    let error: unknown;
    try {
      error = await leases.acquire(resource, { ttlMs: 30_000 }).catch((e: unknown) => e);
    } finally {
      await sleep(100);
      redis.resume();
    }
    expect(error).toBeInstanceOf(RedisTimeoutError);

    // The late script did run (it wrote the fence counter); the lease it took must not block the resource.
    await connection.client.ping();
    expect(await connection.client.exists(fenceKey!)).toBe(1);
    await expect
      .poll(async () => (await connection.client.exists(holderKey!)) === 0, { timeout: 2000, interval: 50 })
      .toBe(true);
    const next = await leases.acquire(resource, { ttlMs: 5000 });
    expect(next.acquired).toBe(true);
  });
});
