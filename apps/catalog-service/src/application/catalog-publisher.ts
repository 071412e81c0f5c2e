import { newEnvelope, TOPICS } from '@cpq/contracts';
import type { OutboxNotifier } from '@cpq/platform';
import { catalogViolations } from '../domain/catalog-validation';
import { InvalidCatalogError } from '../domain/catalog.errors';
import type { Offer, PublishedCatalog } from '../domain/offer';
import type { CatalogReader } from './catalog-reader';
import type { CatalogRepository } from './catalog.repository';

export class CatalogPublisher {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly reader: CatalogReader,
    private readonly outbox: OutboxNotifier,
  ) {}

  /** Validates the whole version, stores it immutably as N+1 with its event, and makes it current. */
  async publish(
    tenantId: string,
    offers: readonly Offer[],
    requestId: string | undefined,
  ): Promise<PublishedCatalog> {
    const violations = catalogViolations(offers);
    if (violations.length > 0) throw new InvalidCatalogError(violations);
    const published = await this.repository.publish(tenantId, offers, requestId, (p) =>
      newEnvelope({
        topic: TOPICS.catalogPublished,
        tenantId,
        aggregateId: `v${p.catalogVersion}`,
        payload: {
          catalogVersion: p.catalogVersion,
          publishedAt: p.publishedAt,
          offers: offers.map((o) => ({ offerId: o.offerId, status: o.status })),
        },
      }),
    );
    this.outbox.notify();
    // Readers here see the new version at once; other instances on the Pub/Sub hint, or at the latest on the
    // Kafka event (CatalogEventsHandler), or when the pointer's short TTL ends.
    await this.reader.currentChanged(tenantId).catch(() => undefined);
    return published;
  }
}
