import { newEnvelope, TOPICS } from '@cpq/contracts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToOutbox, outboxInboxDdl, recordInInbox } from '../../src/events';
import { createTestSchema, outboxRows } from './events-fixture';

function statusChanged(orderId: string) {
  return newEnvelope({
    eventType: TOPICS.orderStatusChanged,
    tenantId: 'acme',
    aggregateId: orderId,
    payload: { orderId, from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
  });
}

describe('appendToOutbox', () => {
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;

  beforeAll(async () => {
    fixture = await createTestSchema('it_outbox');
    await sql`create table ${sql.id(fixture.schema, 'orders')} (id text primary key, status text not null)`.execute(
      fixture.database.db,
    );
  });
  afterAll(() => fixture?.drop());

  it('writes the event in the same transaction as the state change', async () => {
    const { db } = fixture.database;
    const event = statusChanged('ord-1');
    await db.transaction().execute(async (trx) => {
      await trx
        .withSchema(fixture.schema)
        .insertInto('orders')
        .values({ id: 'ord-1', status: 'SUBMITTED' })
        .execute();
      await appendToOutbox(trx, fixture.schema, event, 'req-1');
    });
    const rows = await outboxRows(db, fixture.schema);
    expect(rows).toEqual([
      {
        event_id: event.eventId,
        topic: 'oms.order.status-changed.v1',
        message_key: 'acme:ord-1',
        event_type: 'oms.order.status-changed.v1',
        request_id: 'req-1',
        published_at: null,
        attempts: 0,
        last_error: null,
      },
    ]);
    const stored = await db
      .withSchema(fixture.schema)
      .selectFrom('outbox')
      .select('envelope')
      .executeTakeFirstOrThrow();
    expect(stored.envelope).toEqual(event);
  });

  it('leaves no outbox row when the transaction rolls back', async () => {
    const { db } = fixture.database;
    const event = statusChanged('ord-2');
    await expect(
      db.transaction().execute(async (trx) => {
        await appendToOutbox(trx, fixture.schema, event);
        await trx
          .withSchema(fixture.schema)
          .insertInto('orders')
          .values({ id: 'ord-2', status: 'SUBMITTED' })
          .execute();
        throw new Error('business rule failed after the append');
      }),
    ).rejects.toThrow('business rule failed');
    const rows = await outboxRows(db, fixture.schema);
    expect(rows.map((r) => r.event_id)).not.toContain(event.eventId);
    const orders = await db
      .withSchema(fixture.schema)
      .selectFrom('orders')
      .select('id')
      .where('id', '=', 'ord-2')
      .execute();
    expect(orders).toEqual([]);
  });

  it('takes an explicit topic and stores a null request id when none is given', async () => {
    const event = statusChanged('ord-3');
    await appendToOutbox(fixture.database.db, fixture.schema, event, undefined, {
      topic: 'some.other.topic',
    });
    const row = (await outboxRows(fixture.database.db, fixture.schema)).find(
      (r) => r.event_id === event.eventId,
    );
    expect(row).toMatchObject({ topic: 'some.other.topic', request_id: null });
  });

  it('refuses the same event twice (event_id is the primary key)', async () => {
    const event = statusChanged('ord-4');
    await appendToOutbox(fixture.database.db, fixture.schema, event);
    await expect(appendToOutbox(fixture.database.db, fixture.schema, event)).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('has the partial index over pending rows', async () => {
    const { rows } = await sql<{
      indexdef: string;
    }>`select indexdef from pg_indexes where schemaname = ${fixture.schema} and indexname = 'outbox_pending_idx'`.execute(
      fixture.database.db,
    );
    expect(rows[0]?.indexdef).toMatch(/\(created_at\) WHERE \(published_at IS NULL\)/);
  });
});

describe('recordInInbox', () => {
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  beforeAll(async () => (fixture = await createTestSchema('it_inbox')));
  afterAll(() => fixture?.drop());

  it('is true the first time per consumer group and false for a repeat', async () => {
    const event = statusChanged('ord-9');
    const { db } = fixture.database;
    expect(await recordInInbox(db, fixture.schema, 'group-a', event)).toBe(true);
    expect(await recordInInbox(db, fixture.schema, 'group-a', event)).toBe(false);
    expect(await recordInInbox(db, fixture.schema, 'group-b', event)).toBe(true);
  });
});

describe('outboxInboxDdl', () => {
  it('rejects a schema name that would inject SQL', () => {
    expect(() => outboxInboxDdl('catalog; drop table x')).toThrow(/invalid schema name/);
  });
});
