import type { EventEnvelope } from '@cpq/contracts';
import type { CurrentPriceBook, OfferStatus, PriceEntry, PublishedPriceBook } from '../domain/price-book';

/** PostgreSQL, the source of truth of price books and of pricing's projection of the catalog. */
export interface PricingRepository {
  /**
   * Stores `entries` as the tenant's next version, makes it current and appends the event built by `event` to the
   * outbox, all in one transaction. Concurrent publishes of one tenant get consecutive versions.
   */
  publish(
    tenantId: string,
    entries: readonly PriceEntry[],
    requestId: string | undefined,
    event: (published: PublishedPriceBook) => EventEnvelope,
  ): Promise<PublishedPriceBook>;
  findCurrent(tenantId: string): Promise<CurrentPriceBook | undefined>;
  versionExists(tenantId: string, version: number): Promise<boolean>;
  findEntry(
    tenantId: string,
    version: number,
    offerId: string,
    currency: string,
  ): Promise<PriceEntry | undefined>;
  /** The offer's status in the catalog projection; undefined when the catalog never published it. */
  findOfferStatus(tenantId: string, offerId: string): Promise<OfferStatus | undefined>;
}
