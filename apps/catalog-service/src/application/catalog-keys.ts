import { type KeyFactory, type RedisKey } from '@cpq/redis-runtime';

/** Offer keys kept at most, across tenants and versions; all are dropped when the limit is passed. */
const KEPT_OFFER_KEYS_LIMIT = 100_000;
/** Tenants whose keys are kept at most; all are dropped when the limit is passed. */
const KEPT_TENANTS_LIMIT = 10_000;
/** Versions whose offer keys are kept per tenant (the current one and a few still read by version). */
const KEPT_VERSIONS_PER_TENANT = 4;

interface TenantKeys {
  current: RedisKey;
  offersByVersion: Map<number, Map<string, RedisKey>>;
}

/**
 * The catalog's Redis keys, all from declared families (libs/redis-runtime platform-key-families).
 *
 * The current-version pointer and offer keys are built once and kept: the near-cached offer read looks both up on
 * every request, and a freshly built key string has to be flattened and hashed for the lookup (about 0.3 µs each),
 * while a kept one carries its hash. Bounded: limits on kept tenants and offer keys, a few versions per tenant.
 */
export class CatalogKeys {
  private readonly kept = new Map<string, TenantKeys>();
  private keptOfferKeys = 0;

  constructor(private readonly keys: KeyFactory) {}

  current(tenantId: string): RedisKey {
    return this.tenantKeys(tenantId).current;
  }

  offer(tenantId: string, version: number, offerId: string): RedisKey {
    const { offersByVersion } = this.tenantKeys(tenantId);
    let offers = offersByVersion.get(version);
    if (offers === undefined) {
      if (offersByVersion.size >= KEPT_VERSIONS_PER_TENANT) {
        const [oldest, dropped] = offersByVersion.entries().next().value!;
        offersByVersion.delete(oldest);
        this.keptOfferKeys -= dropped.size;
      }
      offersByVersion.set(version, (offers = new Map()));
    }
    let key = offers.get(offerId);
    if (key === undefined) {
      key = this.keys.key('catalog-offer', tenantId, `v${version}`, offerId);
      if (this.keptOfferKeys >= KEPT_OFFER_KEYS_LIMIT) this.forgetAll();
      else {
        offers.set(offerId, key);
        this.keptOfferKeys++;
      }
    }
    return key;
  }

  page(tenantId: string, version: number, limit: number, cursor: string | undefined): RedisKey {
    return this.keys.key('catalog-offer-page', tenantId, `v${version}`, limit, cursor ?? 'start');
  }

  hotOffers(tenantId: string, version: number): RedisKey {
    return this.keys.key('catalog-hot-offers', tenantId, `v${version}`);
  }

  /** Offer keys kept right now (tests). */
  get keptOffers(): number {
    return this.keptOfferKeys;
  }

  private tenantKeys(tenantId: string): TenantKeys {
    let tenant = this.kept.get(tenantId);
    if (tenant === undefined) {
      // Built first: an invalid tenant id throws here and is never kept.
      tenant = { current: this.keys.key('catalog-current', tenantId, 'version'), offersByVersion: new Map() };
      if (this.kept.size >= KEPT_TENANTS_LIMIT) this.forgetAll();
      this.kept.set(tenantId, tenant);
    }
    return tenant;
  }

  private forgetAll(): void {
    this.kept.clear();
    this.keptOfferKeys = 0;
  }
}
