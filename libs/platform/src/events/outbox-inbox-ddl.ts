import { type Kysely, sql } from 'kysely';
import { assertSchemaName } from '../database/schema-name';

/**
 * The DDL of one schema's outbox and inbox tables. Each service's migration writes this SQL itself (migrations
 * import no app code and stay frozen in time); tests use it to build throwaway schemas. The events README
 * shows the same text.
 *
 * - `outbox`: one row per event, written in the transaction of the state change; the relay sets
 *   `published_at` once Kafka acknowledged it, counting failed sends in `attempts` / `last_error`.
 * - `inbox`: one row per (consumer group, event) handled, written in the handler's transaction.
 * - `outbox_published_idx`, `inbox_received_idx`: what the retention purge (`purgeEventTables`) finds old rows by.
 */
export function outboxInboxDdl(schema: string): string[] {
  const s = assertSchemaName(schema);
  return [
    `create table ${s}.outbox (
  event_id uuid primary key,
  topic text not null,
  message_key text not null,
  event_type text not null,
  envelope jsonb not null,
  request_id text,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  attempts int not null default 0,
  last_error text
)`,
    `create index outbox_pending_idx on ${s}.outbox (created_at) where published_at is null`,
    `create index outbox_published_idx on ${s}.outbox (published_at) where published_at is not null`,
    `create table ${s}.inbox (
  consumer_group text not null,
  event_id uuid not null,
  event_type text not null,
  received_at timestamptz not null default now(),
  primary key (consumer_group, event_id)
)`,
    `create index inbox_received_idx on ${s}.inbox (received_at)`,
  ];
}

/** Runs `outboxInboxDdl(schema)` (the schema must exist). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createOutboxInboxTables(db: Kysely<any>, schema: string): Promise<void> {
  for (const statement of outboxInboxDdl(schema)) await sql.raw(statement).execute(db);
}
