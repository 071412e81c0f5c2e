import { type KeyFactory, type RedisKey } from '@cpq/redis-runtime';

/** The catalog's Redis keys, all from declared families (libs/redis-runtime platform-key-families). */
export class CatalogKeys {
  constructor(private readonly keys: KeyFactory) {}

  current(tenantId: string): RedisKey {
    return this.keys.key('catalog-current', tenantId, 'version');
  }

  offer(tenantId: string, version: number, offerId: string): RedisKey {
    return this.keys.key('catalog-offer', tenantId, `v${version}`, offerId);
  }

  page(tenantId: string, version: number, limit: number, cursor: string | undefined): RedisKey {
    return this.keys.key('catalog-offer-page', tenantId, `v${version}`, limit, cursor ?? 'start');
  }

  hotOffers(tenantId: string, version: number): RedisKey {
    return this.keys.key('catalog-hot-offers', tenantId, `v${version}`);
  }
}
