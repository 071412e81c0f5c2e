import { SingleFlight } from '@cpq/redis-runtime';
import type { OfferLookup } from '../domain/selection-validation';
import type { CallerContext, CatalogApi, OfferCache } from './catalog-api';

/**
 * The offers a selection refers to, for one catalog version: cached answers first (near-cache, then one Redis
 * round trip for all the rest), then catalog-service for the misses, all in parallel, each offer fetched once per
 * process at a time. What the catalog answered is cached; what it could not answer is `unavailable` and asked again
 * next time.
 */
export class OfferCatalog {
  private readonly fetches = new SingleFlight();

  constructor(
    private readonly cache: OfferCache,
    private readonly api: CatalogApi,
  ) {}

  async lookup(
    tenantId: string,
    version: number,
    offerIds: readonly string[],
    caller: CallerContext,
  ): Promise<Map<string, OfferLookup>> {
    const unique = [...new Set(offerIds)];
    const found = new Map<string, OfferLookup>();
    if (unique.length === 0) return found;
    const cached = await this.cache.getMany(tenantId, version, unique);
    const misses: string[] = [];
    unique.forEach((offerId, i) => {
      const hit = cached[i];
      if (hit === undefined) misses.push(offerId);
      else found.set(offerId, hit);
    });
    if (misses.length === 0) return found;
    const fetched = await Promise.all(
      misses.map((offerId) => this.fetch(tenantId, version, offerId, caller)),
    );
    misses.forEach((offerId, i) => found.set(offerId, fetched[i]!));
    return found;
  }

  private fetch(
    tenantId: string,
    version: number,
    offerId: string,
    caller: CallerContext,
  ): Promise<OfferLookup> {
    return this.fetches.run(`${tenantId} ${version} ${offerId}`, async () => {
      const answer = await this.api.offer(tenantId, version, offerId, caller);
      if (answer.kind !== 'unavailable') this.cache.put(tenantId, version, offerId, answer);
      return answer;
    });
  }
}
