import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// Configuration sessions live in Redis while they are drafts; PostgreSQL holds the durable copy:
// - `session_snapshots`: the latest acknowledged version of each session (one row, upserted by a batched
//   write-behind; an upsert never lowers the version nor touches a FINALIZED row). `expires_at` is the draft's
//   expiry as of its last recorded activity: a snapshot past it is never rehydrated. Expired DRAFT rows are purged
//   after the retention period by a fenced job (`job_fences`).
// - `configurations`: one immutable row per finalized session, written with the FINALIZED snapshot and the
//   cpq.config.finalized.v1 outbox row in one transaction.
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('config');
  await s
    .createTable('session_snapshots')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('DRAFT', 'FINALIZED')`))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('catalog_version', 'integer', (c) => c.notNull())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('last_activity_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('session_snapshots_pk', ['tenant_id', 'session_id'])
    .execute();
  await sql`create index session_snapshots_expired_drafts_idx on config.session_snapshots (expires_at)
    where status = 'DRAFT'`.execute(db);
  await s
    .createTable('configurations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('configuration_id', 'uuid', (c) => c.notNull())
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'integer', (c) => c.notNull())
    .addColumn('selected_options', 'jsonb', (c) => c.notNull())
    .addColumn('session_version', 'integer', (c) => c.notNull())
    .addColumn('finalized_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('request_id', 'text')
    .addPrimaryKeyConstraint('configurations_pk', ['tenant_id', 'configuration_id'])
    .addUniqueConstraint('configurations_one_per_session', ['tenant_id', 'session_id'])
    .execute();
  await s
    .createTable('outbox')
    .addColumn('event_id', 'uuid', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('message_key', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('envelope', 'jsonb', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await sql`create index outbox_pending_idx on config.outbox (created_at) where published_at is null`.execute(
    db,
  );
  await s
    .createTable('inbox')
    .addColumn('consumer_group', 'text', (c) => c.notNull())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('inbox_pk', ['consumer_group', 'event_id'])
    .execute();
  // The fencing tokens of the jobs one instance runs at a time (the snapshot purge): a job's transaction claims
  // its token here first, and its writes check in their WHERE that the token is still the latest.
  await s
    .createTable('job_fences')
    .addColumn('job_name', 'text', (c) => c.primaryKey())
    .addColumn('fencing_token', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('config');
  for (const table of ['job_fences', 'inbox', 'outbox', 'configurations', 'session_snapshots']) {
    await s.dropTable(table).execute();
  }
}
