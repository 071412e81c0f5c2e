import { VersionPrewarmer } from '@cpq/platform';
import type { CacheAside, HotKeyTracker, LeaseManager } from '@cpq/redis-runtime';
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
 * readers of the new version hit (one instance, under a lease: `VersionPrewarmer`).
 */
export class CatalogPrewarmer extends VersionPrewarmer {
  constructor(
    repository: CatalogRepository,
    keys: CatalogKeys,
    cache: CacheAside,
    hotOffers: HotKeyTracker,
    leases: LeaseManager,
    options: CatalogPrewarmerOptions = {},
  ) {
    const ttlSeconds = options.offerTtlSeconds ?? 900;
    super({
      leases,
      hotKeys: hotOffers,
      hotSetOf: (tenantId, version) => keys.hotOffers(tenantId, version),
      top: options.topOffers ?? 100,
      leaseTtlMs: options.leaseTtlMs,
      warm: async (tenantId, version, hot) => {
        const offers = await repository.findOffers(tenantId, version, hot);
        const written = await Promise.all(
          offers.map((offer) =>
            cache.set(keys.offer(tenantId, version, offer.offerId), offerCodec, offer, { ttlSeconds }),
          ),
        );
        return written.filter(Boolean).length;
      },
    });
  }
}
