import { beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import {
  InvalidKeyFamilyError,
  LeaseContendedError,
  LeaseLostError,
  MissingTtlError,
} from '../../src/errors';
import type { Lease, LeaseResource } from '../../src/lease/lease-manager';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { tryWithLease } from '../../src/lease/try-with-lease';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const keys = testKeys();

describe('RedisLeaseManager', () => {
  let connection: RedisConnection;
  let metrics: RuntimeMetrics;
  let leases: RedisLeaseManager;

  beforeAll(async () => {
    metrics = new RuntimeMetrics();
    connection = await openConnection('rate', infraEnv().redisRateUrl, { metrics });
    leases = new RedisLeaseManager({ connection, keys, family: 'test-lease' });
  });

  const resource = (): LeaseResource => ({ tenant: uniqueId('tn'), id: uniqueId('res') });
  const redisKey = (r: LeaseResource, which: 'holder' | 'fence') =>
    keys.key('test-lease', r.tenant, r.id as string, which).key;
  const acquired = async (r: LeaseResource, ttlMs = 5000): Promise<Lease> => {
    const result = await leases.acquire(r, { ttlMs });
    if (!result.acquired) throw new Error('expected to acquire');
    return result.lease;
  };

  describe('tryWithLease (optional work one instance does)', () => {
    it('runs the work under the lease and releases it; a second caller meanwhile gets undefined and runs nothing', async () => {
      const r = resource();
      let secondRan = false;
      const first = tryWithLease(leases, r, { ttlMs: 5000 }, async () => {
        const second = await tryWithLease(leases, r, { ttlMs: 5000 }, async () => {
          secondRan = true;
          return 'second';
        });
        expect(second).toBeUndefined();
        return 'first';
      });
      expect(await first).toBe('first');
      expect(secondRan).toBe(false);
      expect(await connection.client.exists(redisKey(r, 'holder'))).toBe(0); // released
    });

    it('answers undefined when Redis cannot grant a lease, and lets an error of the work itself through', async () => {
      const down = new RedisLeaseManager({
        connection: await openConnection('rate', 'redis://127.0.0.1:1', { metrics: new RuntimeMetrics() }),
        keys,
        family: 'test-lease',
      });
      expect(await tryWithLease(down, resource(), { ttlMs: 1000 }, async () => 'ran')).toBeUndefined();
      await expect(
        tryWithLease(leases, resource(), { ttlMs: 1000 }, async () => {
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
    });
  });

  describe('acquire, extend, release', () => {
    it('grants one holder, refuses the second until the first releases', async () => {
      const r = resource();
      const first = await acquired(r);
      const second = await leases.acquire(r, { ttlMs: 5000 });
      expect(second.acquired).toBe(false);
      expect(second.acquired === false && second.holderTtlMs).toBeGreaterThan(4000);

      expect(await leases.release(first)).toBe(true);
      expect(await connection.client.exists(redisKey(r, 'holder'))).toBe(0);
      expect((await leases.acquire(r, { ttlMs: 5000 })).acquired).toBe(true);
    });

    it('refuses a release with the wrong token and the holder keeps the lease', async () => {
      const r = resource();
      const holder = await acquired(r);
      expect(await leases.release({ resource: r, token: 'not-the-token' })).toBe(false);
      expect((await leases.acquire(r)).acquired).toBe(false);
      expect(await leases.extend(holder)).toBe(true);
      expect(await leases.release(holder)).toBe(true);
    });

    it('extends a held lease on Redis', async () => {
      const r = resource();
      const lease = await acquired(r, 1000);
      expect(await leases.extend(lease, 20_000)).toBe(true);
      expect(await connection.client.pttl(redisKey(r, 'holder'))).toBeGreaterThan(15_000);
      expect(lease.remainingMs).toBeGreaterThan(15_000);
    });

    it('refuses to extend an expired lease and does not re-create it', async () => {
      const r = resource();
      const lease = await acquired(r, 150);
      await sleep(300);
      expect(lease.isValid()).toBe(false);
      expect(await leases.extend(lease)).toBe(false);
      expect(await connection.client.exists(redisKey(r, 'holder'))).toBe(0);
    });

    it('refuses to extend once another holder took over the expired lease', async () => {
      const r = resource();
      const stale = await acquired(r, 150);
      await sleep(300);
      const fresh = await acquired(r);
      expect(await leases.extend(stale)).toBe(false);
      expect(await leases.release(stale)).toBe(false);
      expect(await connection.client.get(redisKey(r, 'holder'))).toBe(fresh.token);
    });

    it("measures validity conservatively: never more than Redis's own PTTL", async () => {
      const r = resource();
      const lease = await acquired(r, 2000);
      const pttl = await connection.client.pttl(redisKey(r, 'holder'));
      expect(lease.remainingMs).toBeLessThanOrEqual(pttl);
      expect(lease.remainingMs).toBeGreaterThan(1500);
      expect(lease.isValid()).toBe(true);
    });

    it("refuses a TTL outside the family's range", async () => {
      await expect(leases.acquire(resource(), { ttlMs: 3_601_000 })).rejects.toThrow(MissingTtlError);
      await expect(leases.acquire(resource(), { ttlMs: 0 })).rejects.toThrow(MissingTtlError);
    });

    it('refuses a family whose lease and fence keys would not share a cluster slot', () => {
      expect(() => new RedisLeaseManager({ connection, keys, family: 'test-dedup' })).toThrow(
        InvalidKeyFamilyError,
      );
    });
  });

  describe('contention', () => {
    it('waits for a contended lease with backoff and gets it once the holder expires', async () => {
      const r = resource();
      await acquired(r, 400);
      const started = performance.now();
      const result = await leases.acquire(r, { ttlMs: 5000, waitMs: 5000 });
      expect(result.acquired).toBe(true);
      expect(performance.now() - started).toBeGreaterThan(250);
      expect(performance.now() - started).toBeLessThan(3000);
    });

    it('gives up after waitMs and counts the contention', async () => {
      const r = resource();
      const before = await metricValue(metrics, 'redis_runtime_lease_acquisitions_total', {
        result: 'contended',
      });
      await acquired(r, 10_000);
      const started = performance.now();
      expect((await leases.acquire(r, { waitMs: 300 })).acquired).toBe(false);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(
        await metricValue(metrics, 'redis_runtime_lease_acquisitions_total', { result: 'contended' }),
      ).toBe(before + 1);
    });

    it('grants exactly one of 200 concurrent acquires', async () => {
      const r = resource();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => leases.acquire(r, { ttlMs: 10_000 })),
      );
      const winners = results.filter((x) => x.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      expect(winner.acquired && (await connection.client.get(redisKey(r, 'holder')))).toBe(
        winner.acquired && winner.lease.token,
      );
    });
  });

  describe('fencing tokens', () => {
    it('strictly increase across 50 acquire/release cycles', async () => {
      const r = resource();
      let previous = 0n;
      for (let i = 0; i < 50; i++) {
        const lease = await acquired(r);
        expect(lease.fencingToken).toBeGreaterThan(previous);
        previous = lease.fencingToken;
        expect(await leases.release(lease)).toBe(true);
      }
    });

    it('still increase after both the lease and the fence key were deleted', async () => {
      const r = resource();
      const first = await acquired(r);
      await leases.acquire(r); // a contended attempt must not move the counter either
      expect(await connection.client.del(redisKey(r, 'holder'), redisKey(r, 'fence'))).toBe(2);
      const second = await acquired(r);
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
    });

    it('still increase after the fence key expired', async () => {
      const r = resource();
      const first = await acquired(r);
      await leases.release(first);
      await connection.client.pexpire(redisKey(r, 'fence'), 1);
      await sleep(20);
      expect(await connection.client.exists(redisKey(r, 'fence'))).toBe(0);
      const second = await acquired(r);
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
    });

    it('continue from the stored counter when it is ahead of Redis time', async () => {
      const r = resource();
      // Push the stored counter far above Redis time; the next token must still be counter + 1, not the clock.
      await connection.client.set(redisKey(r, 'fence'), '9000000000000000', 'PX', 60_000);
      const lease = await acquired(r);
      expect(lease.fencingToken).toBe(9000000000000001n);
    });
  });

  describe('withLease', () => {
    it('runs the work under the lease, keeps it alive past its TTL, and releases it', async () => {
      const r = resource();
      const result = await leases.withLease(r, { ttlMs: 300 }, async (lease, signal) => {
        await sleep(1000);
        expect(signal.aborted).toBe(false);
        expect(await connection.client.get(redisKey(r, 'holder'))).toBe(lease.token);
        return lease.fencingToken;
      });
      expect(typeof result).toBe('bigint');
      expect(await connection.client.exists(redisKey(r, 'holder'))).toBe(0);
    });

    it('aborts the signal with LeaseLostError when the lease is taken over mid-work', async () => {
      const r = resource();
      const before = await metricValue(metrics, 'redis_runtime_lease_lost_total', { family: 'test-lease' });
      const reason = await leases.withLease(r, { ttlMs: 600 }, async (_lease, signal) => {
        await connection.client.set(redisKey(r, 'holder'), 'someone-else', 'PX', 10_000);
        const abort = new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        await Promise.race([abort, sleep(3000)]);
        return signal.reason as unknown;
      });
      expect(reason).toBeInstanceOf(LeaseLostError);
      expect(await metricValue(metrics, 'redis_runtime_lease_lost_total', { family: 'test-lease' })).toBe(
        before + 1,
      );
      // the helper's release did not delete the new holder's lease
      expect(await connection.client.get(redisKey(r, 'holder'))).toBe('someone-else');
    });

    it('aborts the signal when the lease key is deleted mid-work', async () => {
      const r = resource();
      const aborted = await leases.withLease(r, { ttlMs: 600 }, async (_lease, signal) => {
        await connection.client.del(redisKey(r, 'holder'));
        await sleep(1000);
        return signal.aborted;
      });
      expect(aborted).toBe(true);
    });

    it('releases the lease when the work throws, and rethrows', async () => {
      const r = resource();
      await expect(
        leases.withLease(r, { ttlMs: 10_000 }, async () => {
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      expect(await connection.client.exists(redisKey(r, 'holder'))).toBe(0);
    });

    it('throws LeaseContendedError without running the work when another holder keeps the lease', async () => {
      const r = resource();
      await acquired(r, 10_000);
      let ran = false;
      await expect(
        leases.withLease(r, { waitMs: 100 }, async () => {
          ran = true;
        }),
      ).rejects.toThrow(LeaseContendedError);
      expect(ran).toBe(false);
    });
  });
});
