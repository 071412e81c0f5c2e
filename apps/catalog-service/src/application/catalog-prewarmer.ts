import { tryWithLease, type CacheAside, type HotKeyTracker, type LeaseManager } from '@cpq/redis-runtime';
import type { CatalogKeys } from './catalog-keys';
import { offerCodec } from './catalog-reader';
import type { CatalogRepository } from './catalog.repository';

export interface CatalogPrewarmerOptions {
  /** Most-read offers of the previous version loaded into the new one. @default 100 */
  topOffers?: number;
  /** @default 900 */
  offerTtlSeconds?: number;
  /** @default 30_000 */
  leaseTtlMs?: number;
}

/**
 * On a publish, loads the most-read offers of the previous version into the new version's keys, so the first
 * readers of the new version hit. A lease makes one instance do it; if the lease is lost or Redis fails, readers
 * simply fill the cache themselves.
 */
export class CatalogPrewarmer {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly keys: CatalogKeys,
    private readonly cache: CacheAside,
    private readonly hotOffers: HotKeyTracker,
    private readonly leases: LeaseManager,
    private readonly options: CatalogPrewarmerOptions = {},
  ) {}

  /** Returns how many offers were written (0 when another instance holds the lease, Redis is out, or nothing was hot). */
  async prewarm(tenantId: string, version: number): Promise<number> {
    if (version <= 1) return 0;
    const written = await tryWithLease(
      this.leases,
      { tenant: tenantId, id: `v${version}` },
      { ttlMs: this.options.leaseTtlMs ?? 30_000 },
      () => this.loadHottest(tenantId, version),
    );
    return written ?? 0;
  }

  private async loadHottest(tenantId: string, version: number): Promise<number> {
    const hot = await this.hotOffers.top(
      this.keys.hotOffers(tenantId, version - 1),
      this.options.topOffers ?? 100,
    );
    if (hot.length === 0) return 0;
    const offers = await this.repository.findOffers(tenantId, version, hot);
    const ttlSeconds = this.options.offerTtlSeconds ?? 900;
    const written = await Promise.all(
      offers.map((offer) =>
        this.cache.set(this.keys.offer(tenantId, version, offer.offerId), offerCodec, offer, { ttlSeconds }),
      ),
    );
    return written.filter(Boolean).length;
  }
}
