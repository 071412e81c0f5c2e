import { beforeAll, describe, expect, it } from 'vitest';
import { RedisIdempotencyResponseCache } from '../../src/idempotency/redis-idempotency-response-cache';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

// The multi-key scripts (rate limits, acquireLease) and beginIdempotency have their own 200-caller tests next to
// their components; these cover the remaining scripts the same way.
const CALLERS = 200;
const keys = testKeys();
const count = <T>(values: T[], value: T) => values.filter((v) => v === value).length;

describe('Lua scripts under 200 concurrent callers', () => {
  let leases: RedisLeaseManager;
  let idempotency: RedisIdempotencyResponseCache;

  beforeAll(async () => {
    leases = new RedisLeaseManager({
      connection: await openConnection('rate', infraEnv().redisRateUrl),
      keys,
      family: 'test-lease',
    });
    idempotency = new RedisIdempotencyResponseCache({
      connection: await openConnection('session', infraEnv().redisSessionUrl),
      keys,
      family: 'test-idempotency',
    });
  });

  it('releaseLease: exactly one of 200 releases with the holder token succeeds', async () => {
    const resource = { tenant: uniqueId('tn'), id: 'r' };
    const acquired = await leases.acquire(resource, { ttlMs: 10_000 });
    if (!acquired.acquired) throw new Error('setup: lease not acquired');
    const results = await Promise.all(Array.from({ length: CALLERS }, () => leases.release(acquired.lease)));
    expect(count(results, true)).toBe(1);
    expect((await leases.acquire(resource, { ttlMs: 10_000 })).acquired).toBe(true);
  });

  it('extendLease: 200 extends race 200 takeovers after expiry, and only the holder of the moment extends', async () => {
    const resource = { tenant: uniqueId('tn'), id: 'r' };
    const first = await leases.acquire(resource, { ttlMs: 100 });
    if (!first.acquired) throw new Error('setup: lease not acquired');
    await new Promise((r) => setTimeout(r, 150));
    const racers = await Promise.all([
      ...Array.from({ length: CALLERS }, () =>
        leases.extend(first.lease, 10_000).then((ok) => ({ kind: 'extend', ok })),
      ),
      ...Array.from({ length: CALLERS }, () =>
        leases.acquire(resource, { ttlMs: 10_000 }).then((r) => ({ kind: 'acquire', ok: r.acquired })),
      ),
    ]);
    // the expired holder can never extend, and exactly one newcomer takes the lease
    expect(racers.filter((r) => r.kind === 'extend' && r.ok)).toHaveLength(0);
    expect(racers.filter((r) => r.kind === 'acquire' && r.ok)).toHaveLength(1);
  });

  it('completeIdempotency: exactly one of 200 completes stores the response', async () => {
    const tenant = uniqueId('tn');
    const key = uniqueId('idem');
    expect((await idempotency.begin(tenant, key, 'sha256:a', 60)).outcome).toBe('started');
    const response = { httpStatus: 201, resourceId: 'ord_1', responseBody: { orderId: 'ord_1' } };
    const results = await Promise.all(
      Array.from({ length: CALLERS }, () => idempotency.complete(tenant, key, 'sha256:a', response, 3_600)),
    );
    expect(count(results, 'stored')).toBe(1);
    expect(count(results, 'already-completed')).toBe(CALLERS - 1);
  });

  it('abandonIdempotency: exactly one of 200 abandons removes the in-flight marker, and a new begin starts', async () => {
    const tenant = uniqueId('tn');
    const key = uniqueId('idem');
    expect((await idempotency.begin(tenant, key, 'sha256:a', 60)).outcome).toBe('started');
    const results = await Promise.all(
      Array.from({ length: CALLERS }, () => idempotency.abandon(tenant, key, 'sha256:a')),
    );
    expect(count(results, 'abandoned')).toBe(1);
    expect(count(results, 'not-found')).toBe(CALLERS - 1);
    expect((await idempotency.begin(tenant, key, 'sha256:a', 60)).outcome).toBe('started');
  });
});
