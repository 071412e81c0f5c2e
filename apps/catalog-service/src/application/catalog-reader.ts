import { JsonCodec, type CacheAside, type HotKeyTracker } from '@cpq/redis-runtime';
import {
  CatalogVersionNotFoundError,
  NoCatalogPublishedError,
  OfferNotFoundError,
} from '../domain/catalog.errors';
import type { CurrentCatalog, Offer, OfferPage } from '../domain/offer';
import type { CatalogKeys } from './catalog-keys';
import type { CatalogRepository } from './catalog.repository';

const currentCodec = new JsonCodec<CurrentCatalog>({ schemaVersion: 1 });
const offerCodec = new JsonCodec<Offer>({ schemaVersion: 1 });
const pageCodec = new JsonCodec<OfferPage>({ schemaVersion: 1 });

export interface CatalogReaderOptions {
  /** Lifetime of the cached current-version pointer, seconds (the family allows 5-60). @default 10 */
  currentTtlSeconds?: number;
  /** Lifetime of cached offers and pages, seconds. @default 900 */
  offerTtlSeconds?: number;
  /** Serve a stale offer page this long while one caller refreshes it. @default 60 */
  pageGraceSeconds?: number;
}

/** An offer of the current catalog version, with that version's number. */
export interface CurrentOffer {
  catalogVersion: number;
  offer: Offer;
}

/** Both undefined when caching is switched off (benchmark baseline). */
export interface CatalogCaches {
  /** The current-version pointer: short TTL, near-cached, invalidated on every publish. */
  pointer?: CacheAside;
  /** Offers and pages: versioned keys. */
  offers?: CacheAside;
}

/**
 * Reads published catalogs: versioned cache-aside in Redis (keys carry the catalog version, so a publish moves
 * readers to new keys instead of deleting old ones), PostgreSQL on a miss or when Redis fails.
 */
export class CatalogReader {
  private readonly currentTtl: number;
  private readonly offerTtl: number;
  private readonly pageGrace: number;

  constructor(
    private readonly repository: CatalogRepository,
    private readonly keys: CatalogKeys,
    private readonly caches: CatalogCaches,
    private readonly hotOffers: HotKeyTracker | undefined,
    options: CatalogReaderOptions = {},
  ) {
    this.currentTtl = options.currentTtlSeconds ?? 10;
    this.offerTtl = options.offerTtlSeconds ?? 900;
    this.pageGrace = options.pageGraceSeconds ?? 60;
  }

  async current(tenantId: string): Promise<CurrentCatalog> {
    const load = () => this.repository.findCurrent(tenantId);
    const current = this.caches.pointer
      ? await this.caches.pointer.getOrLoad(this.keys.current(tenantId), currentCodec, load, {
          ttlSeconds: this.currentTtl,
        })
      : await load();
    if (!current) throw new NoCatalogPublishedError();
    return current;
  }

  async offer(tenantId: string, version: number, offerId: string): Promise<Offer> {
    const load = () => this.repository.findOffer(tenantId, version, offerId);
    const offer = this.caches.offers
      ? await this.caches.offers.getOrLoad(this.keys.offer(tenantId, version, offerId), offerCodec, load, {
          ttlSeconds: this.offerTtl,
        })
      : await load();
    if (offer) {
      this.sampleRead(tenantId, version, offerId);
      return offer;
    }
    if (!(await this.repository.versionExists(tenantId, version)))
      throw new CatalogVersionNotFoundError(version);
    throw new OfferNotFoundError(version, offerId);
  }

  /**
   * The offer of the current version. With pointer and offer both in this instance's near-cache (the service's
   * hottest read) the answer is returned as is, not as a promise: the caller spends no promise turn on it.
   */
  currentOffer(tenantId: string, offerId: string): CurrentOffer | Promise<CurrentOffer> {
    const pointer = this.caches.pointer?.nearValue<CurrentCatalog>(this.keys.current(tenantId));
    if (pointer !== undefined) {
      const catalogVersion = pointer.currentVersion;
      const offer = this.caches.offers?.nearValue<Offer>(this.keys.offer(tenantId, catalogVersion, offerId));
      if (offer !== undefined) {
        this.sampleRead(tenantId, catalogVersion, offerId);
        return { catalogVersion, offer };
      }
    }
    return this.readCurrentOffer(tenantId, offerId, pointer?.currentVersion);
  }

  private async readCurrentOffer(
    tenantId: string,
    offerId: string,
    knownVersion: number | undefined,
  ): Promise<CurrentOffer> {
    const catalogVersion = knownVersion ?? (await this.current(tenantId)).currentVersion;
    return { catalogVersion, offer: await this.offer(tenantId, catalogVersion, offerId) };
  }

  /** Pages are expensive to build: misses go through distributed single-flight (one load across instances). */
  async page(
    tenantId: string,
    version: number,
    limit: number,
    cursor: string | undefined,
  ): Promise<OfferPage> {
    const load = () => this.repository.findOfferPage(tenantId, version, limit, cursor);
    const page = this.caches.offers
      ? await this.caches.offers.getOrLoad(
          this.keys.page(tenantId, version, limit, cursor),
          pageCodec,
          load,
          {
            ttlSeconds: this.offerTtl,
            graceSeconds: this.pageGrace,
            fill: { tenant: tenantId },
          },
        )
      : await load();
    if (!page) throw new CatalogVersionNotFoundError(version);
    return page;
  }

  private sampleRead(tenantId: string, version: number, offerId: string): void {
    this.hotOffers?.countSampled(() => this.keys.hotOffers(tenantId, version), offerId);
  }

  /** A new version was published: drop the current-version pointer here, in Redis, and on every instance. */
  async currentChanged(tenantId: string): Promise<void> {
    await this.caches.pointer?.invalidate([this.keys.current(tenantId)], { redis: true });
  }
}

export { offerCodec };
