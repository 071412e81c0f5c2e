import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// A resource guarded by a fencing token: writers holding a lease update it only with
//   update runtime.fenced_resources set ... where resource_id = $1 and fencing_token < $new
// so a writer whose lease expired (older token) can no longer overwrite a newer one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('runtime')
    .createTable('fenced_resources')
    .addColumn('resource_id', 'text', (c) => c.primaryKey())
    .addColumn('fencing_token', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('runtime').dropTable('fenced_resources').execute();
}
