import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisDedupWindow } from '../../src/dedup/redis-dedup-window';
import { InvalidKeyFamilyError, MissingTtlError } from '../../src/errors';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keys = testKeys();

describe('RedisDedupWindow', () => {
  let connection: RedisConnection;

  beforeAll(async () => {
    connection = await openConnection('session', infraEnv().redisSessionUrl);
  });

  it('answers true the first time, false for repeats, and true again once the window passed', async () => {
    const dedup = new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 1 });
    const tenant = uniqueId('tn');
    const eventId = uniqueId('evt');
    expect(await dedup.firstSeen(tenant, 'group-a', eventId)).toBe(true);
    expect(await dedup.firstSeen(tenant, 'group-a', eventId)).toBe(false);
    expect(await dedup.firstSeen(tenant, 'group-b', eventId)).toBe(true); // another consumer group
    expect(await dedup.firstSeen(uniqueId('tn'), 'group-a', eventId)).toBe(true); // another tenant
    await sleep(1200);
    expect(await dedup.firstSeen(tenant, 'group-a', eventId)).toBe(true);
  });

  it('sets the window as the TTL of the marker', async () => {
    const dedup = new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 600 });
    const tenant = uniqueId('tn');
    await dedup.firstSeen(tenant, 'e1');
    const ttl = await connection.client.ttl(keys.key('test-dedup', tenant, 'e1').key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('answers true to exactly one of 200 concurrent callers with the same id', async () => {
    const dedup = new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 60 });
    const tenant = uniqueId('tn');
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => dedup.firstSeen(tenant, 'same-event')),
    );
    expect(answers.filter((a) => a === true)).toHaveLength(1);
    expect(answers.filter((a) => a === false)).toHaveLength(199);
  });

  it('refuses a window outside the family range and a family that is not a marker', () => {
    expect(
      () => new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 90_000 }),
    ).toThrow(MissingTtlError);
    expect(() => new RedisDedupWindow({ connection, keys, family: 'test-lease' })).toThrow(
      InvalidKeyFamilyError,
    );
  });
});

describe('RedisDedupWindow when Redis fails', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("answers 'unknown' quickly while Redis is down, so the caller lets the inbox decide", async () => {
    const metrics = new RuntimeMetrics();
    const connection = await openConnection('session', redis.url, { metrics, commandTimeoutMs: 30 });
    connection.client.on('error', () => {});
    const dedup = new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 60 });
    expect(await dedup.firstSeen('t1', 'e1')).toBe(true);

    await redis.stop();
    const started = performance.now();
    expect(await dedup.firstSeen('t1', 'e1')).toBe('unknown');
    // refused at once (no offline queue), not after a reconnect (1 s and more): roomy for a busy test machine
    expect(performance.now() - started).toBeLessThan(500);
    expect(
      await metricValue(metrics, 'redis_runtime_cache_events_total', {
        family: 'test-dedup',
        event: 'fallback',
      }),
    ).toBe(1);
  });

  it("answers 'unknown' within the command timeout while Redis hangs", async () => {
    await redis.restart();
    const connection = await openConnection('session', redis.url, { commandTimeoutMs: 50 });
    connection.client.on('error', () => {});
    const dedup = new RedisDedupWindow({ connection, keys, family: 'test-dedup', windowSeconds: 60 });
    redis.pause();
    try {
      const started = performance.now();
      expect(await dedup.firstSeen('t1', 'e2')).toBe('unknown');
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      redis.resume();
    }
  });
});
