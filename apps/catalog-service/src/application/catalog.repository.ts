import type { EventEnvelope } from '@cpq/contracts';
import type { CurrentCatalog, Offer, OfferPage, PublishedCatalog } from '../domain/offer';

/** PostgreSQL, the source of truth of published catalogs. */
export interface CatalogRepository {
  /**
   * Stores `offers` as the tenant's next version, makes it current and appends the event built by `event` to the
   * outbox, all in one transaction. Concurrent publishes of one tenant get consecutive versions.
   */
  publish(
    tenantId: string,
    offers: readonly Offer[],
    requestId: string | undefined,
    event: (published: PublishedCatalog) => EventEnvelope,
  ): Promise<PublishedCatalog>;
  findCurrent(tenantId: string): Promise<CurrentCatalog | undefined>;
  versionExists(tenantId: string, version: number): Promise<boolean>;
  findOffer(tenantId: string, version: number, offerId: string): Promise<Offer | undefined>;
  findOffers(tenantId: string, version: number, offerIds: readonly string[]): Promise<Offer[]>;
  /** Offers ordered by offerId after `cursor` (exclusive); `undefined` when the version does not exist. */
  findOfferPage(
    tenantId: string,
    version: number,
    limit: number,
    cursor: string | undefined,
  ): Promise<OfferPage | undefined>;
}

export const CATALOG_REPOSITORY = Symbol('CatalogRepository');
