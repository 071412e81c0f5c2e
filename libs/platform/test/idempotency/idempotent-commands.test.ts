import {
  KeyFactory,
  platformKeyFamilyRegistry,
  RedisConnection,
  RedisIdempotencyResponseCache,
  type IdempotencyResponseCache,
} from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/database';
import { ProblemError } from '../../src/http/problem';
import { createIdempotencyTable, IdempotentCommands, requestHashOf } from '../../src/idempotency';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import { uniqueId } from '../../../../test/support/unique';

/**
 * `IdempotentCommands` against real PostgreSQL and Redis: the command is a row in a throwaway `orders` table, so
 * "executed once" is counted where it matters, in the database.
 */
describe('IdempotentCommands (PostgreSQL decides, Redis answers repeats sooner)', () => {
  const schema = uniqueId('idem').replace(/-/g, '_');
  let database: Database<any>;
  let db: Kysely<any>;
  let redis: RedisProcess;
  let connection: RedisConnection;
  let cache: IdempotencyResponseCache;
  let withCache: IdempotentCommands;
  let withoutCache: IdempotentCommands;

  beforeAll(async () => {
    database = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 30 });
    db = database.db;
    await sql`create schema ${sql.id(schema)}`.execute(db);
    await createIdempotencyTable(db, schema);
    await sql`create table ${sql.id(schema)}.orders (id serial primary key, tenant_id text not null, body jsonb not null)`.execute(
      db,
    );
    redis = await startRedisProcess();
    connection = await RedisConnection.open('session', {
      url: redis.url,
      cluster: false,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    });
    connection.client.on('error', () => {});
    const keys = new KeyFactory(platformKeyFamilyRegistry(), uniqueId('e').slice(0, 20));
    cache = new RedisIdempotencyResponseCache({ connection, keys });
    withCache = new IdempotentCommands({ db, schema, cache });
    withoutCache = new IdempotentCommands({ db, schema });
  });

  afterAll(async () => {
    await connection?.close();
    await redis?.stop();
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await database?.close();
  });

  const orderCount = async (tenantId: string) =>
    Number(
      (
        await sql<{
          n: string;
        }>`select count(*) as n from ${sql.id(schema)}.orders where tenant_id = ${tenantId}`.execute(db)
      ).rows[0]!.n,
    );

  /** One capture: inserts an order and answers 201 with it. `hold` keeps the transaction open that long. */
  const capture = (commands: IdempotentCommands, tenantId: string, key: string, body: object, holdMs = 0) =>
    commands.run({
      tenantId,
      idempotencyKey: key,
      requestHash: requestHashOf({ method: 'POST', path: `/v1/tenants/${tenantId}/orders`, body }),
      async execute(trx) {
        const row = await sql<{ id: number }>`
          insert into ${sql.id(schema)}.orders (tenant_id, body) values (${tenantId}, ${JSON.stringify(body)}::jsonb)
          returning id`.execute(trx);
        if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
        const orderId = `ord-${row.rows[0]!.id}`;
        return { httpStatus: 201, responseBody: { orderId, ...body }, resourceId: orderId };
      },
    });

  const problemOf = async (promise: Promise<unknown>): Promise<ProblemError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ProblemError) return error;
      throw error;
    }
    throw new Error('expected a problem');
  };

  const order = { currency: 'EUR', lines: [{ offerId: 'router', quantity: 1 }] };

  it('executes once; the same request again gets the stored response, marked replayed', async () => {
    const tenant = uniqueId('t');
    const first = await capture(withCache, tenant, 'key-1', order);
    expect(first.replayed).toBe(false);
    expect(first.response).toMatchObject({ httpStatus: 201, responseBody: { currency: 'EUR' } });
    const again = await capture(withCache, tenant, 'key-1', { ...order }); // same body, new object
    expect(again).toEqual({ response: first.response, replayed: true });
    expect(await orderCount(tenant)).toBe(1);
  });

  it('answers 422 when the key is reused for a different request, with or without Redis', async () => {
    const tenant = uniqueId('t');
    await capture(withCache, tenant, 'key-2', order);
    for (const commands of [withCache, withoutCache]) {
      const problem = await problemOf(capture(commands, tenant, 'key-2', { ...order, currency: 'USD' }));
      expect(problem.status).toBe(422);
    }
    expect(await orderCount(tenant)).toBe(1);
  });

  it('the same key in another tenant is another key', async () => {
    const [a, b] = [uniqueId('t'), uniqueId('t')];
    await capture(withCache, a, 'shared-key', order);
    expect((await capture(withCache, b, 'shared-key', order)).replayed).toBe(false);
    expect(await orderCount(b)).toBe(1);
  });

  it('20 concurrent duplicates with Redis up: one order; the others share its decision and replay it', async () => {
    const tenant = uniqueId('t');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => capture(withCache, tenant, 'key-3', order, 200)),
    );
    expect(await orderCount(tenant)).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const bodies = new Set(results.map((r) => JSON.stringify(r.response)));
    expect(bodies.size).toBe(1);
  });

  it('20 concurrent duplicates with no Redis: PostgreSQL alone lets one execute; the others wait and replay', async () => {
    const tenant = uniqueId('t');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => capture(withoutCache, tenant, 'key-4', order, 200)),
    );
    expect(await orderCount(tenant)).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const orderIds = new Set(results.map((r) => (r.response.responseBody as { orderId: string }).orderId));
    expect(orderIds.size).toBe(1);
  });

  it('a duplicate waits for the first attempt at most lockWaitMs, then gets 409 instead of holding a connection', async () => {
    const tenant = uniqueId('t');
    const impatient = new IdempotentCommands({ db, schema, lockWaitMs: 200 });
    let firstDone = false;
    let claimed!: () => void;
    const firstClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const first = impatient
      .run({
        tenantId: tenant,
        idempotencyKey: 'key-9',
        requestHash: requestHashOf({ method: 'POST', path: `/v1/tenants/${tenant}/orders`, body: order }),
        async execute(trx) {
          claimed(); // the key is ours from here until the commit
          await sql`insert into ${sql.id(schema)}.orders (tenant_id, body) values (${tenant}, '{}'::jsonb)`.execute(
            trx,
          );
          await new Promise((r) => setTimeout(r, 1500));
          return { httpStatus: 201, responseBody: { orderId: 'ord-slow' } };
        },
      })
      .finally(() => (firstDone = true));
    await firstClaimed;
    const problem = await problemOf(capture(impatient, tenant, 'key-9', order));
    expect(problem.status).toBe(409);
    expect(firstDone).toBe(false); // answered while the first attempt was still running
    expect((await first).replayed).toBe(false);
    expect((await capture(impatient, tenant, 'key-9', order)).replayed).toBe(true);
    expect(await orderCount(tenant)).toBe(1);
  });

  it("duplicates waiting on another process's attempt hold no pooled connection: unrelated commands go on", async () => {
    // Every instance stands for a process of its own (no shared in-process decision); they share one small pool,
    // as the requests of one service instance do. The first holds the key for 1.5 s.
    const applicationName = uniqueId('storm');
    const small = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 4, applicationName });
    const lockWaiters = async () =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n from pg_stat_activity
            where application_name = ${applicationName} and wait_event_type = 'Lock'`.execute(db)
        ).rows[0]!.n,
      );
    try {
      const tenant = uniqueId('t');
      const processes = () => new IdempotentCommands({ db: small.db, schema });
      const first = capture(processes(), tenant, 'storm-key', order, 1500);
      await new Promise((r) => setTimeout(r, 200)); // the key is claimed
      const duplicates = Array.from({ length: 30 }, () => capture(processes(), tenant, 'storm-key', order));
      await new Promise((r) => setTimeout(r, 200));
      const waiters: number[] = [];
      const unrelated: number[] = [];
      for (let i = 0; i < 5; i++) {
        waiters.push(await lockWaiters());
        const started = Date.now();
        await capture(processes(), tenant, `fresh-${i}`, order);
        unrelated.push(Date.now() - started);
      }
      expect(waiters).toEqual([0, 0, 0, 0, 0]);
      // Queued behind 30 lock waiters on a pool of 4, an unrelated command would wait for the first to finish.
      expect(Math.max(...unrelated)).toBeLessThan(1000);
      expect((await first).replayed).toBe(false);
      const answers = await Promise.all(duplicates);
      expect(answers.every((a) => a.replayed)).toBe(true);
      expect(await orderCount(tenant)).toBe(6); // the first and the five unrelated
    } finally {
      await small.close();
    }
  });

  it('a key whose attempt died with its connection is free at once: a retry executes, despite its Redis marker', async () => {
    const tenant = uniqueId('t');
    const dying = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 1 });
    let pid!: number;
    let die!: () => void;
    const dead = new Promise<never>((_, reject) => (die = () => reject(new Error('process died'))));
    let claimed!: () => void;
    const keyClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const lost = new IdempotentCommands({ db: dying.db, schema, cache })
      .run({
        tenantId: tenant,
        idempotencyKey: 'key-dead',
        requestHash: requestHashOf({ method: 'POST', path: `/v1/tenants/${tenant}/orders`, body: order }),
        async execute(trx) {
          await sql`insert into ${sql.id(schema)}.orders (tenant_id, body) values (${tenant}, '{}'::jsonb)`.execute(
            trx,
          );
          pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
          claimed();
          return dead; // the process "dies" here
        },
      })
      .catch(() => 'lost');
    try {
      await keyClaimed;
      expect((await cache.get(tenant, 'key-dead')).outcome).toBe('found'); // its IN_FLIGHT marker
      await sql`select pg_terminate_backend(${pid})`.execute(db);
      const retry = await capture(withCache, tenant, 'key-dead', order);
      expect(retry.replayed).toBe(false);
      expect(await orderCount(tenant)).toBe(1);
      const cached = await cache.get(tenant, 'key-dead');
      expect(cached.outcome === 'found' && cached.record.status).toBe('COMPLETED');
    } finally {
      die();
      await lost;
      await dying.close().catch(() => undefined);
    }
  });

  it('a replay from PostgreSQL is byte-identical to the first answer (key order kept)', async () => {
    const tenant = uniqueId('t');
    const body = { zeta: 1, alpha: { y: [3, 1], b: 'x' }, mid: null, orderNumber: 'SO-2026-000001' };
    const first = await withoutCache.run({
      tenantId: tenant,
      idempotencyKey: 'key-bytes',
      requestHash: requestHashOf({ method: 'POST', path: '/orders', body: order }),
      execute: async () => ({ httpStatus: 201, responseBody: body, resourceId: 'ord-1' }),
    });
    const again = await withoutCache.run({
      tenantId: tenant,
      idempotencyKey: 'key-bytes',
      requestHash: requestHashOf({ method: 'POST', path: '/orders', body: order }),
      execute: async () => {
        throw new Error('must not run');
      },
    });
    expect(again.replayed).toBe(true);
    expect(JSON.stringify(again.response.responseBody)).toBe(JSON.stringify(first.response.responseBody));
    expect(again.response).toEqual({ httpStatus: 201, responseBody: body, resourceId: 'ord-1' });
  });

  it('a failed command leaves nothing behind: no record, no marker, and a retry executes', async () => {
    const tenant = uniqueId('t');
    const failing = withCache.run({
      tenantId: tenant,
      idempotencyKey: 'key-5',
      requestHash: requestHashOf({ method: 'POST', path: '/orders', body: order }),
      async execute(trx) {
        await sql`insert into ${sql.id(schema)}.orders (tenant_id, body) values (${tenant}, '{}'::jsonb)`.execute(
          trx,
        );
        throw new Error('payment provider down');
      },
    });
    await expect(failing).rejects.toThrow('payment provider down');
    expect(await orderCount(tenant)).toBe(0);
    expect((await cache.get(tenant, 'key-5')).outcome).toBe('miss');
    const retry = await withCache.run({
      tenantId: tenant,
      idempotencyKey: 'key-5',
      requestHash: requestHashOf({ method: 'POST', path: '/orders', body: order }),
      execute: async () => ({ httpStatus: 201, responseBody: { ok: true } }),
    });
    expect(retry.replayed).toBe(false);
  });

  it('a record lost from Redis (eviction, flush) is replayed from PostgreSQL and cached again', async () => {
    const tenant = uniqueId('t');
    const first = await capture(withCache, tenant, 'key-6', order);
    await connection.client.flushall();
    const again = await capture(withCache, tenant, 'key-6', order);
    expect(again).toEqual({ response: first.response, replayed: true });
    expect(await orderCount(tenant)).toBe(1);
    const cached = await cache.get(tenant, 'key-6');
    expect(cached.outcome === 'found' && cached.record.status).toBe('COMPLETED');
  });

  it('a record past its retention lets the key start over, and purgeExpired removes such records', async () => {
    const tenant = uniqueId('t');
    await capture(withoutCache, tenant, 'key-7', order);
    await sql`update ${sql.id(schema)}.idempotency_keys set expires_at = now() - interval '1 second'
      where tenant_id = ${tenant}`.execute(db);
    expect((await capture(withoutCache, tenant, 'key-7', { ...order, currency: 'USD' })).replayed).toBe(
      false,
    );
    expect(await orderCount(tenant)).toBe(2);
    await sql`update ${sql.id(schema)}.idempotency_keys set expires_at = now() - interval '1 second'
      where tenant_id = ${tenant}`.execute(db);
    expect(await withoutCache.purgeExpired()).toBeGreaterThanOrEqual(1);
    const left =
      await sql`select 1 from ${sql.id(schema)}.idempotency_keys where tenant_id = ${tenant}`.execute(db);
    expect(left.rows).toHaveLength(0);
  });

  it('with the Redis process killed, captures and replays still work from PostgreSQL alone', async () => {
    const tenant = uniqueId('t');
    await redis.stop();
    try {
      const first = await capture(withCache, tenant, 'key-8', order);
      expect(first.replayed).toBe(false);
      const again = await capture(withCache, tenant, 'key-8', order);
      expect(again).toEqual({ response: first.response, replayed: true });
      expect(
        (await problemOf(capture(withCache, tenant, 'key-8', { ...order, currency: 'USD' }))).status,
      ).toBe(422);
      expect(await orderCount(tenant)).toBe(1);
    } finally {
      await redis.restart();
    }
  });
});
