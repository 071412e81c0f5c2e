import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisUnavailableError } from '../../src/errors';
import { RedisIdempotencyResponseCache } from '../../src/idempotency/redis-idempotency-response-cache';
import { hashKeySegment } from '../../src/keys/key-segment';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

const keys = testKeys();
const created = {
  httpStatus: 201,
  resourceId: 'ord_1',
  responseBody: { orderId: 'ord_1', orderNumber: 'SO-2026-000001' },
};

describe('RedisIdempotencyResponseCache', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;
  let cache: RedisIdempotencyResponseCache;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('session', infraEnv().redisSessionUrl, { metrics });
    cache = new RedisIdempotencyResponseCache({ connection, keys, family: 'test-idempotency' });
  });

  const fresh = () => ({ tenant: uniqueId('tn'), key: `Key ${uniqueId('k')}:{with spaces}` });
  const stored = async (tenant: string, key: string) =>
    connection.client.get(keys.key('test-idempotency', tenant, hashKeySegment(key)).key);

  it('starts a new key, reports it in flight, then replays the completed response', async () => {
    const { tenant, key } = fresh();
    expect(await cache.begin(tenant, key, 'sha256:a', 60)).toEqual({ outcome: 'started' });
    expect(await cache.begin(tenant, key, 'sha256:a', 60)).toEqual({
      outcome: 'in-flight',
      sameRequest: true,
    });
    expect(await cache.complete(tenant, key, 'sha256:a', created, 86_400)).toBe('stored');
    expect(await cache.begin(tenant, key, 'sha256:a', 60)).toEqual({
      outcome: 'completed',
      sameRequest: true,
      response: created,
    });
  });

  it('stores the record flat with schemaVersion under a hashed key, with the given TTL', async () => {
    const { tenant, key } = fresh();
    await cache.begin(tenant, key, 'sha256:a', 60);
    await cache.complete(tenant, key, 'sha256:a', created, 86_400);
    const redisKey = keys.key('test-idempotency', tenant, hashKeySegment(key)).key;
    expect(redisKey).not.toContain('Key ');
    expect(JSON.parse((await stored(tenant, key))!)).toEqual({
      schemaVersion: 1,
      requestHash: 'sha256:a',
      status: 'COMPLETED',
      ...created,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await connection.client.ttl(redisKey)).toBeGreaterThan(86_000);
  });

  it('tells a different request under the same key apart (the caller answers 422)', async () => {
    const { tenant, key } = fresh();
    await cache.begin(tenant, key, 'sha256:a', 60);
    expect(await cache.begin(tenant, key, 'sha256:b', 60)).toEqual({
      outcome: 'in-flight',
      sameRequest: false,
    });
    expect(await cache.complete(tenant, key, 'sha256:b', created, 600)).toBe('other-request');
    expect(await cache.abandon(tenant, key, 'sha256:b')).toBe('other-request');
    await cache.complete(tenant, key, 'sha256:a', created, 600);
    expect(await cache.begin(tenant, key, 'sha256:b', 60)).toMatchObject({
      outcome: 'completed',
      sameRequest: false,
    });
  });

  it('keeps the first response when a request completes twice', async () => {
    const { tenant, key } = fresh();
    await cache.begin(tenant, key, 'sha256:a', 60);
    expect(await cache.complete(tenant, key, 'sha256:a', created, 600)).toBe('stored');
    expect(await cache.complete(tenant, key, 'sha256:a', { ...created, httpStatus: 500 }, 600)).toBe(
      'already-completed',
    );
    expect(await cache.get(tenant, key)).toMatchObject({ outcome: 'found', record: { httpStatus: 201 } });
  });

  it('writes nothing when completing a key that was never begun (or expired)', async () => {
    const { tenant, key } = fresh();
    expect(await cache.complete(tenant, key, 'sha256:a', created, 600)).toBe('not-found');
    expect(await stored(tenant, key)).toBeNull();
  });

  it("abandons only this request's in-flight marker, so a retry can start again", async () => {
    const { tenant, key } = fresh();
    await cache.begin(tenant, key, 'sha256:a', 60);
    expect(await cache.abandon(tenant, key, 'sha256:a')).toBe('abandoned');
    expect(await cache.abandon(tenant, key, 'sha256:a')).toBe('not-found');
    expect(await cache.begin(tenant, key, 'sha256:a', 60)).toEqual({ outcome: 'started' });
    await cache.complete(tenant, key, 'sha256:a', created, 600);
    expect(await cache.abandon(tenant, key, 'sha256:a')).toBe('already-completed');
    expect(await cache.get(tenant, key)).toMatchObject({ outcome: 'found', record: { status: 'COMPLETED' } });
  });

  it('starts exactly one of 200 concurrent begins with the same key', async () => {
    const { tenant, key } = fresh();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () => cache.begin(tenant, key, 'sha256:a', 60)),
    );
    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'in-flight')).toHaveLength(199);
  });

  it.each([
    ['corrupt JSON', '{"schemaVersion":1,"requestHash"'],
    [
      'an unknown schemaVersion',
      JSON.stringify({ schemaVersion: 99, requestHash: 'sha256:a', status: 'COMPLETED', createdAt: 'x' }),
    ],
  ])('treats %s as a miss, counts a decode error, and lets begin take the key', async (_what, raw) => {
    const { tenant, key } = fresh();
    await connection.client.set(keys.key('test-idempotency', tenant, hashKeySegment(key)).key, raw, 'EX', 60);
    const errors = () =>
      metricValue(metrics, 'redis_runtime_cache_events_total', {
        family: 'test-idempotency',
        event: 'decode_error',
      });
    const before = await errors();
    expect(await cache.get(tenant, key)).toEqual({ outcome: 'miss' });
    expect(await cache.complete(tenant, key, 'sha256:a', created, 600)).toBe('not-found');
    expect(await cache.begin(tenant, key, 'sha256:a', 60)).toEqual({ outcome: 'started' });
    expect(await errors()).toBe(before + 3);
    expect(await cache.get(tenant, key)).toMatchObject({ outcome: 'found', record: { status: 'IN_FLIGHT' } });
  });

  it('returns a miss for an unknown key', async () => {
    const { tenant, key } = fresh();
    expect(await cache.get(tenant, key)).toEqual({ outcome: 'miss' });
  });
});

describe('RedisIdempotencyResponseCache when Redis fails', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedisProcess();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("answers 'unavailable' quickly on every operation, so the caller falls back to PostgreSQL", async () => {
    const connection = await openConnection('session', redis.url, { commandTimeoutMs: 30 });
    connection.client.on('error', () => {});
    const cache = new RedisIdempotencyResponseCache({ connection, keys, family: 'test-idempotency' });
    expect(await cache.begin('t1', 'k1', 'sha256:a', 60)).toEqual({ outcome: 'started' });

    await redis.stop();
    const started = performance.now();
    const begin = await cache.begin('t1', 'k1', 'sha256:a', 60);
    expect(begin.outcome).toBe('unavailable');
    expect(begin.outcome === 'unavailable' && begin.error).toBeInstanceOf(RedisUnavailableError);
    expect(await cache.complete('t1', 'k1', 'sha256:a', created, 600)).toBe('unavailable');
    expect(await cache.abandon('t1', 'k1', 'sha256:a')).toBe('unavailable');
    expect((await cache.get('t1', 'k1')).outcome).toBe('unavailable');
    // four refusals at once (no offline queue), not after a reconnect (1 s and more): roomy for a loaded machine
    expect(performance.now() - started).toBeLessThan(500);
  });
});
