import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// Catalog versions are immutable: a publish inserts version N+1 and its offers and moves the tenant's current
// pointer, in one transaction with its outbox row. The pointer row (one per tenant) is what serializes
// concurrent publishes of a tenant, so versions are consecutive; the primary keys are the backstop.
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('catalog');
  await s
    .createTable('tenant_catalogs')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await s
    .createTable('catalog_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .addColumn('offer_count', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addPrimaryKeyConstraint('catalog_versions_pk', ['tenant_id', 'version'])
    .execute();
  await s
    .createTable('offers')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'integer', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('offers_pk', ['tenant_id', 'catalog_version', 'offer_id'])
    .addForeignKeyConstraint(
      'offers_version_fk',
      ['tenant_id', 'catalog_version'],
      'catalog.catalog_versions',
      ['tenant_id', 'version'],
    )
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
  await sql`create index outbox_pending_idx on catalog.outbox (created_at) where published_at is null`.execute(
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
}

export async function down(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('catalog');
  for (const table of ['inbox', 'outbox', 'offers', 'catalog_versions', 'tenant_catalogs']) {
    await s.dropTable(table).execute();
  }
}
