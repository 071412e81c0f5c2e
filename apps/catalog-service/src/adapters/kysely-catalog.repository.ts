import { VersionedTables } from '@cpq/platform';
import type { EventEnvelope } from '@cpq/contracts';
import type { Kysely } from 'kysely';
import type { CatalogRepository } from '../application/catalog.repository';
import type { CurrentCatalog, Offer, OfferPage, PublishedCatalog } from '../domain/offer';
import type { CatalogTables } from './catalog.tables';

export class KyselyCatalogRepository implements CatalogRepository {
  private readonly versions: VersionedTables;

  constructor(private readonly db: Kysely<CatalogTables>) {
    this.versions = new VersionedTables(db, {
      schema: 'catalog',
      pointerTable: 'tenant_catalogs',
      versionsTable: 'catalog_versions',
      countColumn: 'offer_count',
      itemsTable: 'offers',
      itemVersionColumn: 'catalog_version',
    });
  }

  publish(
    tenantId: string,
    offers: readonly Offer[],
    requestId: string | undefined,
    event: (published: PublishedCatalog) => EventEnvelope,
  ): Promise<PublishedCatalog> {
    return this.versions.publish({
      tenantId,
      items: offers,
      row: (offer) => ({ offer_id: offer.offerId, status: offer.status, body: JSON.stringify(offer) }),
      requestId,
      published: (v) => ({ catalogVersion: v.version, publishedAt: v.publishedAt, offerCount: v.itemCount }),
      event,
    });
  }

  findCurrent(tenantId: string): Promise<CurrentCatalog | undefined> {
    return this.versions.findCurrent(tenantId);
  }

  versionExists(tenantId: string, version: number): Promise<boolean> {
    return this.versions.versionExists(tenantId, version);
  }

  async findOffer(tenantId: string, version: number, offerId: string): Promise<Offer | undefined> {
    const row = await this.db
      .selectFrom('catalog.offers')
      .select('body')
      .where('tenant_id', '=', tenantId)
      .where('catalog_version', '=', version)
      .where('offer_id', '=', offerId)
      .executeTakeFirst();
    return row?.body as Offer | undefined;
  }

  async findOffers(tenantId: string, version: number, offerIds: readonly string[]): Promise<Offer[]> {
    if (offerIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('catalog.offers')
      .select('body')
      .where('tenant_id', '=', tenantId)
      .where('catalog_version', '=', version)
      .where('offer_id', 'in', offerIds)
      .execute();
    return rows.map((r) => r.body as Offer);
  }

  async findOfferPage(
    tenantId: string,
    version: number,
    limit: number,
    cursor: string | undefined,
  ): Promise<OfferPage | undefined> {
    if (!(await this.versionExists(tenantId, version))) return undefined;
    let query = this.db
      .selectFrom('catalog.offers')
      .select(['offer_id', 'body'])
      .where('tenant_id', '=', tenantId)
      .where('catalog_version', '=', version)
      .orderBy('offer_id')
      .limit(limit + 1);
    if (cursor !== undefined) query = query.where('offer_id', '>', cursor);
    const rows = await query.execute();
    const items = rows.slice(0, limit).map((r) => r.body as Offer);
    return { items, nextCursor: rows.length > limit ? rows[limit - 1]!.offer_id : null };
  }
}
