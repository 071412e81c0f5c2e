import type { EventEnvelope } from '@cpq/contracts';
import { sql, type Kysely } from 'kysely';
import { assertSchemaName } from '../database/schema-name';
import { appendToOutbox } from '../events/outbox';
import { retryableTransaction } from '../database/retryable-transaction';

/** Rows per INSERT when storing a version (5,000 items stay well under PostgreSQL's parameter limit). */
const INSERT_CHUNK = 500;

/**
 * Where a service keeps a kind of immutable, versioned document set (a catalog, a price book), all in `schema`:
 * - `pointerTable`: one row per tenant, `tenant_id` (primary key), `current_version`, `published_at`;
 * - `versionsTable`: one row per version, `tenant_id`, `version`, `published_at`, `<countColumn>`, `request_id`;
 * - `itemsTable`: the version's items, `tenant_id`, `<itemVersionColumn>` and the columns `row` gives.
 * (migrations/catalog/0001_catalog.ts creates such tables.)
 */
export interface VersionedTablesOptions {
  schema: string;
  pointerTable: string;
  versionsTable: string;
  /** The versions table's item count, e.g. `offer_count`. */
  countColumn: string;
  itemsTable: string;
  /** The items table's version column, e.g. `catalog_version`. */
  itemVersionColumn: string;
}

export interface PublishVersionInput<Item, Published> {
  tenantId: string;
  items: readonly Item[];
  /** An item's own columns (besides `tenant_id` and the version), e.g. `{ offer_id, status, body }`. */
  row(item: Item): Record<string, unknown>;
  /** Stored with the version and carried by its event (the Kafka header `requestId`). */
  requestId: string | undefined;
  /** What the service calls the stored version (`{ catalogVersion, publishedAt, offerCount }`): what `publish` returns. */
  published(version: PublishedVersion): Published;
  /** The version's event, appended to the schema's outbox in the same transaction. */
  event(published: Published): EventEnvelope;
}

export interface PublishedVersion {
  readonly version: number;
  /** ISO 8601: the publishing transaction's `now()`. */
  readonly publishedAt: string;
  readonly itemCount: number;
}

export interface CurrentVersion {
  readonly currentVersion: number;
  /** ISO 8601. */
  readonly publishedAt: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * The versioned publish transaction: version N+1 of a tenant's document set with its items and its outbox event,
 * made current, all or nothing. The tenant's pointer row is the per-tenant lock: a concurrent publish waits on
 * it and takes N+2, so versions are consecutive.
 */
export class VersionedTables {
  private readonly pointer: string;
  private readonly versions: string;
  private readonly items: string;

  constructor(
    private readonly db: AnyDb,
    private readonly options: VersionedTablesOptions,
  ) {
    const schema = assertSchemaName(options.schema);
    this.pointer = `${schema}.${options.pointerTable}`;
    this.versions = `${schema}.${options.versionsTable}`;
    this.items = `${schema}.${options.itemsTable}`;
  }

  publish<Item, Published>(input: PublishVersionInput<Item, Published>): Promise<Published> {
    const { tenantId, items, requestId } = input;
    return retryableTransaction(this.db, async (trx) => {
      const pointer = (await trx
        .insertInto(this.pointer)
        .values({ tenant_id: tenantId, current_version: 1, published_at: sql`now()` })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            current_version: sql`${sql.ref(`${this.pointer}.current_version`)} + 1`,
            published_at: sql`now()`,
          }),
        )
        .returning(['current_version', 'published_at'])
        .executeTakeFirstOrThrow()) as { current_version: number; published_at: Date };
      const version = pointer.current_version;
      await trx
        .insertInto(this.versions)
        .values({
          tenant_id: tenantId,
          version,
          published_at: pointer.published_at,
          [this.options.countColumn]: items.length,
          request_id: requestId ?? null,
        })
        .execute();
      for (let i = 0; i < items.length; i += INSERT_CHUNK) {
        await trx
          .insertInto(this.items)
          .values(
            items.slice(i, i + INSERT_CHUNK).map((item) => ({
              tenant_id: tenantId,
              [this.options.itemVersionColumn]: version,
              ...input.row(item),
            })),
          )
          .execute();
      }
      const published = input.published({
        version,
        publishedAt: pointer.published_at.toISOString(),
        itemCount: items.length,
      });
      await appendToOutbox(trx, this.options.schema, input.event(published), requestId);
      return published;
    });
  }

  async findCurrent(tenantId: string): Promise<CurrentVersion | undefined> {
    const row = (await this.db
      .selectFrom(this.pointer)
      .select(['current_version', 'published_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst()) as { current_version: number; published_at: Date } | undefined;
    return row && { currentVersion: row.current_version, publishedAt: row.published_at.toISOString() };
  }

  async versionExists(tenantId: string, version: number): Promise<boolean> {
    const row = await this.db
      .selectFrom(this.versions)
      .select('version')
      .where('tenant_id', '=', tenantId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined;
  }
}
