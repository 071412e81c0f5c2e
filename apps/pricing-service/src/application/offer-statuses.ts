import { NearCache, SingleFlight, type NearCacheInvalidationBus } from '@cpq/redis-runtime';
import type { OfferStatus } from '../domain/price-book';
import type { PricingRepository } from './pricing.repository';

/** Marks "the projection has no row" in the near-cache, which cannot hold undefined. */
const UNKNOWN = 'UNKNOWN';
/** Near-cache keys of offer statuses start with this (the invalidation bus is shared with the pointer cache). */
const PREFIX = 'offer-status\u0000';

export interface OfferStatusesOptions {
  /** How long a status is answered from process memory, ms; bounds staleness when a hint is lost. @default 5_000 */
  ttlMs?: number;
  /** @default 50_000 */
  maxEntries?: number;
}

/**
 * Offer statuses from pricing's catalog projection, held briefly in process so an admitted calculation does
 * not cost a PostgreSQL query. When the projection changes, the instance that wrote it drops the tenant's
 * statuses here and tells every other instance over the near-cache invalidation bus; a lost hint is bounded by
 * the TTL. Loads that started before an invalidation do not store their (possibly older) answer.
 */
export class OfferStatuses {
  private readonly near: NearCache | undefined;
  private readonly flights = new SingleFlight();
  private generation = 0;

  constructor(
    private readonly repository: PricingRepository,
    private readonly bus: NearCacheInvalidationBus | undefined,
    options: OfferStatusesOptions & { enabled?: boolean } = {},
  ) {
    this.near =
      options.enabled === false
        ? undefined
        : new NearCache({ ttlMs: options.ttlMs ?? 5_000, maxEntries: options.maxEntries ?? 50_000 });
    bus?.onInvalidate((message) => {
      for (const prefix of message.prefixes ?? []) {
        if (prefix === '' || prefix.startsWith(PREFIX)) this.dropPrefix(prefix);
      }
    });
  }

  /** The offer's status; undefined when the catalog never published it. */
  async statusOf(tenantId: string, offerId: string): Promise<OfferStatus | undefined> {
    if (!this.near) return this.repository.findOfferStatus(tenantId, offerId);
    const key = `${PREFIX}${tenantId}\u0000${offerId}`;
    const cached = this.near.get(key) as OfferStatus | typeof UNKNOWN | undefined;
    if (cached !== undefined) return cached === UNKNOWN ? undefined : cached;
    const generation = this.generation;
    // a load started before an invalidation is not joined by callers after it (the generation is in the key)
    return this.flights.run(`${key}\u0000${generation}`, async () => {
      const status = await this.repository.findOfferStatus(tenantId, offerId);
      if (generation === this.generation) this.near!.set(key, status ?? UNKNOWN);
      return status;
    });
  }

  /** The tenant's projection changed (after commit): drop its statuses here and on every other instance. */
  async changed(tenantId: string): Promise<void> {
    const prefix = `${PREFIX}${tenantId}\u0000`;
    this.dropPrefix(prefix);
    await this.bus?.publish({ prefixes: [prefix] });
  }

  private dropPrefix(prefix: string): void {
    this.generation++;
    this.near?.deletePrefix(prefix);
  }
}
