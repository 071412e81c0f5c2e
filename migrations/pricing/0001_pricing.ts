import { type Kysely, sql } from 'kysely';

// Migrations are frozen in time: they take Kysely<any>, never the app's current table types.
/* eslint-disable @typescript-eslint/no-explicit-any */

// Price book versions are immutable: a publish inserts version N+1 and its entries and moves the tenant's current
// pointer, in one transaction with its outbox row. The pointer row (one per tenant) serializes concurrent publishes
// of a tenant, so versions are consecutive; the primary keys are the backstop. `offer_status` is pricing's
// projection of the catalog (fed by cpq.catalog.published.v1): only ACTIVE offers are priced.
export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('pricing');
  await s
    .createTable('tenant_price_books')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await s
    .createTable('price_book_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz', (c) => c.notNull())
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addPrimaryKeyConstraint('price_book_versions_pk', ['tenant_id', 'version'])
    .execute();
  await s
    .createTable('price_entries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('price_book_version', 'integer', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('price_entries_pk', ['tenant_id', 'price_book_version', 'offer_id', 'currency'])
    .addForeignKeyConstraint(
      'price_entries_version_fk',
      ['tenant_id', 'price_book_version'],
      'pricing.price_book_versions',
      ['tenant_id', 'version'],
    )
    .execute();
  await s
    .createTable('offer_status')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('catalog_version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('offer_status_pk', ['tenant_id', 'offer_id'])
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
  await sql`create index outbox_pending_idx on pricing.outbox (created_at) where published_at is null`.execute(
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
  const s = db.schema.withSchema('pricing');
  for (const table of [
    'inbox',
    'outbox',
    'offer_status',
    'price_entries',
    'price_book_versions',
    'tenant_price_books',
  ]) {
    await s.dropTable(table).execute();
  }
}
