import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// The outbox and inbox retention purge (the platform's purgeEventTables, job `event-retention`) finds published
// outbox rows by `published_at` and inbox rows by `received_at`: an index for each, so a batch reads only the rows it
// deletes however large the tables have grown.
const STATEMENTS = [
  `create index outbox_published_idx on config.outbox (published_at) where published_at is not null`,
  `create index inbox_received_idx on config.inbox (received_at)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of ['drop index config.inbox_received_idx', 'drop index config.outbox_published_idx'])
    await sql.raw(statement).execute(db);
}
