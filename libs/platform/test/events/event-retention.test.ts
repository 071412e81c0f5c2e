import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countQueries } from '../../src/database';
import { EVENT_RETENTION_JOB, purgeEventTables, type EventRetentionOptions } from '../../src/events';
import { createJobFencesTable, FencedJobRunner, type JobContext } from '../../src/jobs';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { createTestSchema } from './events-fixture';
import { openRateConnection, testJobLeases } from '../jobs/job-test-parts';

// purgeEventTables against real PostgreSQL (a throwaway schema with the outbox, inbox and job_fences tables) and a
// real lease in the rate Redis: what it deletes and keeps, its batches and per-run bound, and its fence.

let fixture: Awaited<ReturnType<typeof createTestSchema>>;
let db: Kysely<any>;
let rate: RedisConnection;
let runner: FencedJobRunner;

const HOUR = 3600 * 1000;

beforeAll(async () => {
  fixture = await createTestSchema('it_retention');
  db = fixture.database.db;
  await createJobFencesTable(db, fixture.schema);
  rate = await openRateConnection(infraEnv().redisRateUrl);
  runner = new FencedJobRunner({
    db,
    schema: fixture.schema,
    leases: testJobLeases(rate, uniqueId('ret').replace(/-/g, '').slice(0, 20)),
  });
});
afterAll(async () => {
  await rate?.close();
  await fixture?.drop();
});
beforeEach(async () => {
  await sql`truncate ${sql.raw(`${fixture.schema}.outbox`)}, ${sql.raw(`${fixture.schema}.inbox`)}`.execute(
    db,
  );
});

const options = (rest: Partial<EventRetentionOptions> = {}): EventRetentionOptions => ({
  schema: fixture.schema,
  outboxRetentionHours: 168,
  inboxRetentionHours: 336,
  ...rest,
});

/** Outbox rows created (and published, unless `pending`) `ageHours` ago. */
async function outboxRows(count: number, ageHours: number, pending = false): Promise<void> {
  const at = new Date(Date.now() - ageHours * HOUR);
  for (let i = 0; i < count; i++) {
    await sql`insert into ${sql.raw(`${fixture.schema}.outbox`)}
        (event_id, topic, message_key, event_type, envelope, created_at, published_at)
      values (${randomUUID()}, 't', 'k', 't', '{}'::jsonb, ${at}, ${pending ? null : at})`.execute(db);
  }
}

async function inboxRows(count: number, ageHours: number, group = 'g'): Promise<void> {
  const at = new Date(Date.now() - ageHours * HOUR);
  for (let i = 0; i < count; i++) {
    await sql`insert into ${sql.raw(`${fixture.schema}.inbox`)} (consumer_group, event_id, event_type, received_at)
      values (${group}, ${randomUUID()}, 't', ${at})`.execute(db);
  }
}

async function counts(): Promise<{ published: number; pending: number; inbox: number }> {
  const { rows } = await sql<{ published: number; pending: number; inbox: number }>`select
      (select count(*)::int from ${sql.raw(`${fixture.schema}.outbox`)} where published_at is not null) as published,
      (select count(*)::int from ${sql.raw(`${fixture.schema}.outbox`)} where published_at is null) as pending,
      (select count(*)::int from ${sql.raw(`${fixture.schema}.inbox`)}) as inbox`.execute(db);
  return rows[0]!;
}

const run = (o: EventRetentionOptions) =>
  runner.runOnce(EVENT_RETENTION_JOB, { ttlMs: 10_000 }, (ctx) => purgeEventTables(ctx, o));

describe('purgeEventTables (the outbox and inbox retention job)', () => {
  it('deletes published outbox rows and inbox rows past their retention; keeps pending rows of any age and recent ones', async () => {
    await outboxRows(5, 200); // published 200 h ago: past 168 h
    await outboxRows(3, 100); // published 100 h ago: kept
    await outboxRows(2, 2000, true); // never published, however old: kept (the relay still owes them)
    await inboxRows(4, 400); // past 336 h
    await inboxRows(6, 200, 'other'); // 200 h: within 336 h, kept
    const outcome = await run(options());
    expect(outcome).toMatchObject({ ran: true, value: { outbox: 5, inbox: 4, more: false } });
    expect(await counts()).toEqual({ published: 3, pending: 2, inbox: 6 });
  });

  it('deletes in batches of batchSize, each its own transaction, and at most maxRowsPerRun per table per run', async () => {
    await outboxRows(60, 200);
    await inboxRows(12, 400);
    const counter = countQueries(fixture.database);
    const first = await run(options({ batchSize: 10, maxRowsPerRun: 25 }));
    const deletes = counter.statements.filter((s) => /^\s*delete from/i.test(s)).length;
    const begins = counter.statements.filter((s) => /^begin/i.test(s)).length;
    counter.stop();
    expect(first).toMatchObject({ ran: true, value: { outbox: 25, inbox: 12, more: true } });
    // outbox 10 + 10 + 5 (the bound), inbox 10 + 2: five deletes, each in its own transaction
    expect(deletes).toBe(5);
    expect(begins).toBeGreaterThanOrEqual(5);
    expect((await counts()).published).toBe(35);
    expect(await run(options({ batchSize: 10, maxRowsPerRun: 25 }))).toMatchObject({
      value: { outbox: 25, inbox: 0, more: true },
    });
    expect(await run(options({ batchSize: 10, maxRowsPerRun: 25 }))).toMatchObject({
      value: { outbox: 10, inbox: 0, more: false },
    });
    expect(await counts()).toEqual({ published: 0, pending: 0, inbox: 0 });
  });

  it('carries the fence in its DELETE: a run whose fence no longer holds deletes nothing', async () => {
    await outboxRows(3, 200);
    await inboxRows(3, 400);
    // a context as a run sees it after losing its fence: the claim in transaction() is left out here, so only the
    // job's own WHERE stands between it and the rows
    const lost: JobContext = {
      jobName: EVENT_RETENTION_JOB,
      fencingToken: 1n,
      signal: new AbortController().signal,
      holdsFence: sql<boolean>`false`,
      transaction: (fn) => db.transaction().execute(fn),
    };
    expect(await purgeEventTables(lost, options())).toEqual({ outbox: 0, inbox: 0, more: false });
    expect(await counts()).toEqual({ published: 3, pending: 0, inbox: 3 });
  });

  it('refuses nonsense bounds', async () => {
    const ctx = { signal: new AbortController().signal } as JobContext;
    await expect(purgeEventTables(ctx, options({ batchSize: 0 }))).rejects.toThrow(RangeError);
    await expect(purgeEventTables(ctx, options({ inboxRetentionHours: -1 }))).rejects.toThrow(RangeError);
  });
});
