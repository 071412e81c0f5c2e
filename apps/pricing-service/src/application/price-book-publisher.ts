import { newEnvelope, TOPICS } from '@cpq/contracts';
import type { OutboxNotifier } from '@cpq/platform';
import { InvalidPriceBookError } from '../domain/price-book.errors';
import { priceBookViolations } from '../domain/price-book-validation';
import type { PriceEntry, PublishedPriceBook } from '../domain/price-book';
import type { PriceCalculator } from './price-calculator.service';
import type { PricingRepository } from './pricing.repository';

export class PriceBookPublisher {
  constructor(
    private readonly repository: PricingRepository,
    private readonly calculator: PriceCalculator,
    private readonly outbox: OutboxNotifier,
  ) {}

  /** Validates the whole book, stores it immutably as N+1 with its event, and makes it current. */
  async publish(
    tenantId: string,
    entries: readonly PriceEntry[],
    requestId: string | undefined,
  ): Promise<PublishedPriceBook> {
    const violations = priceBookViolations(entries);
    if (violations.length > 0) throw new InvalidPriceBookError(violations);
    const published = await this.repository.publish(tenantId, entries, requestId, (p) =>
      newEnvelope({
        topic: TOPICS.pricebookPublished,
        tenantId,
        aggregateId: `v${p.priceBookVersion}`,
        payload: {
          priceBookVersion: p.priceBookVersion,
          publishedAt: p.publishedAt,
          entryCount: p.entryCount,
          offerIds: [...new Set(entries.map((e) => e.offerId))],
        },
      }),
    );
    this.outbox.notify();
    // This instance sees the new version at once; others on the Pub/Sub hint, the Kafka event, or the short TTL.
    await this.calculator.currentChanged(tenantId).catch(() => undefined);
    return published;
  }
}
