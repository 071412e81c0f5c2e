import { beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const nodes = infraEnv().redisClusterNodes;

describe.skipIf(nodes.length === 0)('RedisLeaseManager on Redis Cluster', () => {
  let connection: RedisConnection;
  let leases: RedisLeaseManager;

  beforeAll(async () => {
    const seeds = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    connection = await openConnection('rate', seeds, { cluster: true });
    leases = new RedisLeaseManager({ connection, keys: testKeys(), family: 'test-lease' });
  });

  it('runs the two-key acquire script without CROSSSLOT for tenants spread over every shard', async () => {
    // 30 tenants hash to slots on all three masters with overwhelming probability.
    for (let i = 0; i < 30; i++) {
      const resource = { tenant: uniqueId(`tn${i}`), id: uniqueId('res') };
      const first = await leases.acquire(resource, { ttlMs: 5000 });
      if (!first.acquired) throw new Error('expected to acquire');
      expect((await leases.acquire(resource)).acquired).toBe(false);
      expect(await leases.extend(first.lease)).toBe(true);
      expect(await leases.release(first.lease)).toBe(true);
      const second = await leases.acquire(resource, { ttlMs: 5000 });
      expect(second.acquired && second.lease.fencingToken).toBeGreaterThan(first.lease.fencingToken);
    }
  });
});
