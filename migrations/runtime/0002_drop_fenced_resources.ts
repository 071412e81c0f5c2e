import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// runtime.fenced_resources only ever served tests that showed fencing as SQL. Fenced work now runs through the
// platform's FencedJobRunner, whose fence lives in each service's own schema (`<schema>.job_fences`), so nothing
// reads or writes this table any more.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('runtime').dropTable('fenced_resources').ifExists().execute();
}

// The table as 0001 created it (empty).
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('runtime')
    .createTable('fenced_resources')
    .addColumn('resource_id', 'text', (c) => c.primaryKey())
    .addColumn('fencing_token', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
