import { appendToOutbox } from '@cpq/platform';
import type { EventEnvelope } from '@cpq/contracts';
import { sql, type Kysely } from 'kysely';
import type { PricingRepository } from '../application/pricing.repository';
import type { CurrentPriceBook, OfferStatus, PriceEntry, PublishedPriceBook } from '../domain/price-book';
import type { PricingTables } from './pricing.tables';

/** Rows per INSERT when storing a version (5,000 entries stay well under PostgreSQL's parameter limit). */
const INSERT_CHUNK = 500;

export class KyselyPricingRepository implements PricingRepository {
  constructor(private readonly db: Kysely<PricingTables>) {}

  async publish(
    tenantId: string,
    entries: readonly PriceEntry[],
    requestId: string | undefined,
    event: (published: PublishedPriceBook) => EventEnvelope,
  ): Promise<PublishedPriceBook> {
    return this.db.transaction().execute(async (trx) => {
      // The tenant's pointer row is the per-tenant lock: a concurrent publish waits here, then takes N+2.
      const pointer = await trx
        .insertInto('pricing.tenant_price_books')
        .values({ tenant_id: tenantId, current_version: 1, published_at: sql<Date>`now()` as never })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            current_version: sql<number>`pricing.tenant_price_books.current_version + 1`,
            published_at: sql<Date>`now()` as never,
          }),
        )
        .returning(['current_version', 'published_at'])
        .executeTakeFirstOrThrow();
      const version = pointer.current_version;
      await trx
        .insertInto('pricing.price_book_versions')
        .values({
          tenant_id: tenantId,
          version,
          published_at: pointer.published_at,
          entry_count: entries.length,
          request_id: requestId ?? null,
        })
        .execute();
      for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('pricing.price_entries')
          .values(
            entries.slice(i, i + INSERT_CHUNK).map((entry) => ({
              tenant_id: tenantId,
              price_book_version: version,
              offer_id: entry.offerId,
              currency: entry.currency,
              body: JSON.stringify(entry),
            })),
          )
          .execute();
      }
      const published: PublishedPriceBook = {
        priceBookVersion: version,
        publishedAt: pointer.published_at.toISOString(),
        entryCount: entries.length,
      };
      await appendToOutbox(trx, 'pricing', event(published), requestId);
      return published;
    });
  }

  async findCurrent(tenantId: string): Promise<CurrentPriceBook | undefined> {
    const row = await this.db
      .selectFrom('pricing.tenant_price_books')
      .select(['current_version', 'published_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row && { currentVersion: row.current_version, publishedAt: row.published_at.toISOString() };
  }

  async versionExists(tenantId: string, version: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('pricing.price_book_versions')
      .select('version')
      .where('tenant_id', '=', tenantId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findEntry(
    tenantId: string,
    version: number,
    offerId: string,
    currency: string,
  ): Promise<PriceEntry | undefined> {
    const row = await this.db
      .selectFrom('pricing.price_entries')
      .select('body')
      .where('tenant_id', '=', tenantId)
      .where('price_book_version', '=', version)
      .where('offer_id', '=', offerId)
      .where('currency', '=', currency)
      .executeTakeFirst();
    return row?.body as PriceEntry | undefined;
  }

  async findOfferStatus(tenantId: string, offerId: string): Promise<OfferStatus | undefined> {
    const row = await this.db
      .selectFrom('pricing.offer_status')
      .select('status')
      .where('tenant_id', '=', tenantId)
      .where('offer_id', '=', offerId)
      .executeTakeFirst();
    return row?.status as OfferStatus | undefined;
  }
}
