import { appendToOutbox } from '@cpq/platform';
import type { EventEnvelope } from '@cpq/contracts';
import { sql, type Kysely } from 'kysely';
import type { CatalogRepository } from '../application/catalog.repository';
import type { CurrentCatalog, Offer, OfferPage, PublishedCatalog } from '../domain/offer';
import type { CatalogTables } from './catalog.tables';

/** Rows per INSERT when storing a version (5,000 offers stay well under PostgreSQL's parameter limit). */
const INSERT_CHUNK = 500;

export class KyselyCatalogRepository implements CatalogRepository {
  constructor(private readonly db: Kysely<CatalogTables>) {}

  async publish(
    tenantId: string,
    offers: readonly Offer[],
    requestId: string | undefined,
    event: (published: PublishedCatalog) => EventEnvelope,
  ): Promise<PublishedCatalog> {
    return this.db.transaction().execute(async (trx) => {
      // The tenant's pointer row is the per-tenant lock: a concurrent publish waits here, then takes N+2.
      const pointer = await trx
        .insertInto('catalog.tenant_catalogs')
        .values({ tenant_id: tenantId, current_version: 1, published_at: sql<Date>`now()` as never })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            current_version: sql<number>`catalog.tenant_catalogs.current_version + 1`,
            published_at: sql<Date>`now()` as never,
          }),
        )
        .returning(['current_version', 'published_at'])
        .executeTakeFirstOrThrow();
      const version = pointer.current_version;
      await trx
        .insertInto('catalog.catalog_versions')
        .values({
          tenant_id: tenantId,
          version,
          published_at: pointer.published_at,
          offer_count: offers.length,
          request_id: requestId ?? null,
        })
        .execute();
      for (let i = 0; i < offers.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('catalog.offers')
          .values(
            offers.slice(i, i + INSERT_CHUNK).map((offer) => ({
              tenant_id: tenantId,
              catalog_version: version,
              offer_id: offer.offerId,
              status: offer.status,
              body: JSON.stringify(offer),
            })),
          )
          .execute();
      }
      const published: PublishedCatalog = {
        catalogVersion: version,
        publishedAt: pointer.published_at.toISOString(),
        offerCount: offers.length,
      };
      await appendToOutbox(trx, 'catalog', event(published), requestId);
      return published;
    });
  }

  async findCurrent(tenantId: string): Promise<CurrentCatalog | undefined> {
    const row = await this.db
      .selectFrom('catalog.tenant_catalogs')
      .select(['current_version', 'published_at'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row && { currentVersion: row.current_version, publishedAt: row.published_at.toISOString() };
  }

  async versionExists(tenantId: string, version: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('catalog.catalog_versions')
      .select('version')
      .where('tenant_id', '=', tenantId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined;
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
