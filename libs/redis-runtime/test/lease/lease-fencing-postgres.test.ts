import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RedisLeaseManager } from '../../src/lease/redis-lease-manager';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { openConnection, testKeys } from '../support/runtime-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The resource-side check that makes leases safe: a write lands only with a fencing token larger than the
 * stored one. Returns false (0 rows) for a stale holder.
 */
async function fencedWrite(
  pool: Pool,
  resourceId: string,
  fencingToken: bigint,
  payload: unknown,
): Promise<boolean> {
  const result = await pool.query(
    `insert into runtime.fenced_resources (resource_id, fencing_token, payload, updated_at)
     values ($1, $2, $3, now())
     on conflict (resource_id) do update
       set fencing_token = excluded.fencing_token, payload = excluded.payload, updated_at = now()
       where fenced_resources.fencing_token < excluded.fencing_token`,
    [resourceId, fencingToken, JSON.stringify(payload)],
  );
  return result.rowCount === 1;
}

describe('fencing a PostgreSQL resource with lease tokens', () => {
  let pool: Pool;
  let connection: RedisConnection;
  let leases: RedisLeaseManager;

  beforeAll(async () => {
    pool = new Pool({ connectionString: infraEnv().databaseUrl, max: 2 });
    connection = await openConnection('rate', infraEnv().redisRateUrl);
    leases = new RedisLeaseManager({ connection, keys: testKeys(), family: 'test-lease' });
  });
  afterAll(async () => {
    await pool.end();
  });

  it("rejects the stale write of a holder that paused past its TTL; the row keeps the new holder's payload", async () => {
    const resource = { tenant: uniqueId('tn'), id: uniqueId('res') };
    const resourceId = `${resource.tenant}/${resource.id}`;

    const a = await leases.acquire(resource, { ttlMs: 200 });
    if (!a.acquired) throw new Error('A should acquire');
    expect(await fencedWrite(pool, resourceId, a.lease.fencingToken, { writer: 'A', step: 1 })).toBe(true);

    await sleep(400); // A "pauses" (GC, stalled VM) past its TTL without noticing
    expect(a.lease.isValid()).toBe(false);

    const b = await leases.acquire(resource, { ttlMs: 5000 });
    if (!b.acquired) throw new Error('B should acquire once A expired');
    expect(b.lease.fencingToken).toBeGreaterThan(a.lease.fencingToken);
    expect(await fencedWrite(pool, resourceId, b.lease.fencingToken, { writer: 'B' })).toBe(true);

    // A wakes up and writes with its old token: refused by the database, not by the lease.
    expect(await fencedWrite(pool, resourceId, a.lease.fencingToken, { writer: 'A', step: 2 })).toBe(false);

    const row = await pool.query(
      'select fencing_token, payload from runtime.fenced_resources where resource_id = $1',
      [resourceId],
    );
    expect(row.rows).toEqual([{ fencing_token: String(b.lease.fencingToken), payload: { writer: 'B' } }]);
    await pool.query('delete from runtime.fenced_resources where resource_id = $1', [resourceId]);
  });
});
