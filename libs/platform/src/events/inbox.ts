import type { Kysely, Transaction } from 'kysely';
import type { OutboxInboxTables } from './outbox';

/**
 * Records that `consumerGroup` handles `event`, in the handler's transaction. `true` the first time; `false`
 * when the row already exists (the event was handled before: skip it). A concurrent insert of the same row
 * waits for the other transaction and then answers `false`, or `true` if that one rolled back.
 */
export async function recordInInbox(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  trx: Transaction<any> | Kysely<any>,
  schema: string,
  consumerGroup: string,
  event: { eventId: string; eventType: string },
): Promise<boolean> {
  const inserted = await (trx as Kysely<OutboxInboxTables>)
    .withSchema(schema)
    .insertInto('inbox')
    .values({ consumer_group: consumerGroup, event_id: event.eventId, event_type: event.eventType })
    .onConflict((oc) => oc.columns(['consumer_group', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return inserted.length === 1;
}

/** `true` when `consumerGroup` has already handled `eventId` (committed). */
export async function isInInbox(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  schema: string,
  consumerGroup: string,
  eventId: string,
): Promise<boolean> {
  const row = await (db as Kysely<OutboxInboxTables>)
    .withSchema(schema)
    .selectFrom('inbox')
    .select('event_id')
    .where('consumer_group', '=', consumerGroup)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}
