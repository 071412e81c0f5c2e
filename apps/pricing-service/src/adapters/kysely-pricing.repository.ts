import { VersionedTables } from '@cpq/platform';
import type { EventEnvelope } from '@cpq/contracts';
import type { Kysely } from 'kysely';
import type { PricingRepository } from '../application/pricing.repository';
import type { CurrentPriceBook, OfferStatus, PriceEntry, PublishedPriceBook } from '../domain/price-book';
import type { PricingTables } from './pricing.tables';

export class KyselyPricingRepository implements PricingRepository {
  private readonly versions: VersionedTables;

  constructor(private readonly db: Kysely<PricingTables>) {
    this.versions = new VersionedTables(db, {
      schema: 'pricing',
      pointerTable: 'tenant_price_books',
      versionsTable: 'price_book_versions',
      countColumn: 'entry_count',
      itemsTable: 'price_entries',
      itemVersionColumn: 'price_book_version',
    });
  }

  publish(
    tenantId: string,
    entries: readonly PriceEntry[],
    requestId: string | undefined,
    event: (published: PublishedPriceBook) => EventEnvelope,
  ): Promise<PublishedPriceBook> {
    return this.versions.publish({
      tenantId,
      items: entries,
      row: (entry) => ({ offer_id: entry.offerId, currency: entry.currency, body: JSON.stringify(entry) }),
      requestId,
      published: (v) => ({
        priceBookVersion: v.version,
        publishedAt: v.publishedAt,
        entryCount: v.itemCount,
      }),
      event,
    });
  }

  findCurrent(tenantId: string): Promise<CurrentPriceBook | undefined> {
    return this.versions.findCurrent(tenantId);
  }

  versionExists(tenantId: string, version: number): Promise<boolean> {
    return this.versions.versionExists(tenantId, version);
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
