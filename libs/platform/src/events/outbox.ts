import { messageKey, type EventEnvelope } from '@cpq/contracts';
import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

/** The row type of `<schema>.outbox` (see `outboxInboxDdl`). */
export interface OutboxTable {
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  /** Written as JSON text, read back as the parsed envelope. */
  envelope: ColumnType<EventEnvelope, string, string>;
  request_id: string | null;
  created_at: Generated<Date>;
  published_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** The row type of `<schema>.inbox` (see `outboxInboxDdl`). */
export interface InboxTable {
  consumer_group: string;
  event_id: string;
  event_type: string;
  received_at: Generated<Date>;
}

/** The outbox and inbox of one schema, for `db.withSchema(schema)`. */
export interface OutboxInboxTables {
  outbox: OutboxTable;
  inbox: InboxTable;
}

/** Options of `appendToOutbox`. */
export interface AppendToOutboxOptions {
  /** The Kafka topic. @default envelope.eventType (every contract topic is named like its event type) */
  topic?: string;
}

/**
 * Writes `envelope` to `<schema>.outbox`. Call it with the transaction of the state change, so the event
 * exists if and only if the change committed; the relay publishes it afterwards (call `relay.notify()`
 * after the commit for low latency). `requestId` travels as the Kafka header `requestId`.
 */
export async function appendToOutbox(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  trx: Transaction<any> | Kysely<any>,
  schema: string,
  envelope: EventEnvelope,
  requestId?: string,
  options: AppendToOutboxOptions = {},
): Promise<void> {
  await (trx as Kysely<OutboxInboxTables>)
    .withSchema(schema)
    .insertInto('outbox')
    .values({
      event_id: envelope.eventId,
      topic: options.topic ?? envelope.eventType,
      message_key: messageKey(envelope),
      event_type: envelope.eventType,
      envelope: JSON.stringify(envelope),
      request_id: requestId ?? null,
    })
    .execute();
}
