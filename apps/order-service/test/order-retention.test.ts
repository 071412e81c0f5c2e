import { FencedJobRunner, JobFencedOutError, type JobContext } from '@cpq/platform';
import { RedisLeaseManager } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredIdempotencyKeys } from '../src/adapters/idempotency-retention';
import { uniqueId } from '../../../test/support/unique';
import { capture, newTenant, orderBody, startOrder, type OrderInstance } from './order-fixture';

/** Idempotency keys live 24 h; one instance at a time purges older ones, fenced in PostgreSQL. */
describe('idempotency retention purge (fenced job)', () => {
  let a: OrderInstance;
  let db: Kysely<any>;

  beforeAll(async () => {
    a = await startOrder({ ORDER_EVENTS: 'off' });
    db = a.runtime.database.db as unknown as Kysely<any>;
  });

  const keysOf = async (tenant: string) =>
    (
      await sql<{ expired: boolean }>`select expires_at <= now() as expired from ordering.idempotency_keys
        where tenant_id = ${tenant}`.execute(db)
    ).rows.map((r) => r.expired);

  const expire = (tenant: string, count: number) =>
    sql`update ordering.idempotency_keys set expires_at = now() - interval '1 second'
      where ctid in (select ctid from ordering.idempotency_keys where tenant_id = ${tenant} limit ${count})`.execute(
      db,
    );

  const runner = (jobs = a) =>
    new FencedJobRunner({
      db,
      schema: 'ordering',
      leases: new RedisLeaseManager({
        connection: jobs.runtime.redis.connection('rate'),
        keys: jobs.runtime.redis.keys,
        family: 'order-job-lease',
      }),
    });

  it('keys are kept 24 h; the purge deletes the expired ones only', async () => {
    const tenant = newTenant();
    for (let i = 0; i < 4; i++)
      expect((await capture(a.url, tenant, orderBody(), `r-${i}`)).status).toBe(201);
    const ttl = await sql<{
      hours: number;
    }>`select round(extract(epoch from expires_at - created_at) / 3600) as hours
      from ordering.idempotency_keys where tenant_id = ${tenant} limit 1`.execute(db);
    expect(Number(ttl.rows[0]!.hours)).toBe(24);
    await expire(tenant, 3);
    expect(await a.runtime.purgeExpiredKeys()).toBeGreaterThanOrEqual(3);
    expect(await keysOf(tenant)).toEqual([false]);
  });

  it('a holder whose run was taken over deletes nothing (the fence is in its transaction and its WHERE)', async () => {
    const tenant = newTenant();
    await capture(a.url, tenant, orderBody(), 'f-0');
    await expire(tenant, 1);
    const job = `purge-test-${uniqueId('j')}`.slice(0, 100);
    // a run that got its token, then stalled (its context kept) while a newer run claimed the job
    let stalled!: JobContext;
    const first = await runner().runOnce(job, { ttlMs: 5000 }, async (context) => {
      stalled = context;
      return context.fencingToken;
    });
    const newer = await runner().runOnce(job, { ttlMs: 5000 }, async (context) => {
      await context.transaction(async () => undefined); // claims the newer token
      return context.fencingToken;
    });
    expect(first.ran && newer.ran && newer.fencingToken > first.fencingToken).toBe(true);
    await expect(purgeExpiredIdempotencyKeys(stalled, { batchSize: 100 })).rejects.toBeInstanceOf(
      JobFencedOutError,
    );
    const held = await sql<{ held: boolean }>`select ${stalled.holdsFence} as held`.execute(db);
    expect(held.rows[0]!.held).toBe(false); // its WHERE would match no row either
    expect(await keysOf(tenant)).toEqual([true]);
  });

  it('runs on one instance at a time: while the lease is held, another instance skips the run', async () => {
    const b = await startOrder({ ORDER_EVENTS: 'off' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = runner(a).runOnce('idempotency-purge', { ttlMs: 5000 }, async () => {
      started();
      await held;
      return 'ran';
    });
    await running;
    expect(await b.runtime.purgeExpiredKeys()).toBeUndefined(); // skipped: the lease is elsewhere
    release();
    expect(await first).toMatchObject({ ran: true, value: 'ran' });
    expect(await b.runtime.purgeExpiredKeys()).toEqual(expect.any(Number));
  });
});
