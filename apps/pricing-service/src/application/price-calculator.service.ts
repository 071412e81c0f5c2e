import { JsonCodec, type CacheAside, type HotKeyTracker } from '@cpq/redis-runtime';
import { calculatePrice } from '../domain/price-calculator';
import type { CurrentPriceBook, Price, PriceEntry, PriceRequest } from '../domain/price-book';
import {
  NoPriceBookPublishedError,
  OfferNotPriceableError,
  PriceBookVersionNotFoundError,
} from '../domain/price-book.errors';
import { NoPriceError } from '../domain/pricing.errors';
import type { OfferStatuses } from './offer-statuses';
import { hotPriceMember, type PricingKeys } from './pricing-keys';
import type { PricingRepository } from './pricing.repository';

const currentCodec = new JsonCodec<CurrentPriceBook>({ schemaVersion: 1 });
const entryCodec = new JsonCodec<PriceEntry>({ schemaVersion: 1 });
const priceCodec = new JsonCodec<Price>({ schemaVersion: 1 });

export interface PriceCalculatorOptions {
  /** Lifetime of the cached current-version pointer, seconds (the family allows 5-60). @default 10 */
  currentTtlSeconds?: number;
  /** Lifetime of a cached price, seconds, before jitter (the family allows 5-35 min). @default 900 */
  priceTtlSeconds?: number;
  /** Lifetime of a cached price book entry, seconds, before jitter (the family allows 15-65 min). @default 1800 */
  entryTtlSeconds?: number;
}

/** All undefined when caching is switched off. */
export interface PricingCaches {
  /** The current price book pointer: short TTL, near-cached, invalidated on every publish. */
  pointer?: CacheAside;
  /** Calculated prices: every input in the key, versioned by price book. */
  prices?: CacheAside;
  /** Price book entries: immutable per version, so versioned keys and a TTL are all the invalidation needed. */
  entries?: CacheAside;
  /** Counts every answered request per price book version: what the next version's publish pre-warms. */
  hotPrices?: HotKeyTracker;
}

/**
 * Calculates prices: the price of one set of inputs is cached in Redis under a key holding every input (price book
 * version first), so a new price book is never answered from an old version's cache. A miss computes from the
 * version's (cached) entry. The offer must be ACTIVE in pricing's projection of the catalog.
 */
export class PriceCalculator {
  private readonly currentTtl: number;
  private readonly priceTtl: number;
  private readonly entryTtl: number;

  constructor(
    private readonly repository: PricingRepository,
    private readonly offerStatuses: OfferStatuses,
    private readonly keys: PricingKeys,
    private readonly caches: PricingCaches,
    options: PriceCalculatorOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.currentTtl = options.currentTtlSeconds ?? 10;
    this.priceTtl = options.priceTtlSeconds ?? 900;
    this.entryTtl = options.entryTtlSeconds ?? 1800;
  }

  async current(tenantId: string): Promise<CurrentPriceBook> {
    const load = () => this.repository.findCurrent(tenantId);
    const current = this.caches.pointer
      ? await this.caches.pointer.getOrLoad(this.keys.current(tenantId), currentCodec, load, {
          ttlSeconds: this.currentTtl,
        })
      : await load();
    if (!current) throw new NoPriceBookPublishedError();
    return current;
  }

  /**
   * The price of `request` in `priceBookVersion` (default: the current version). `admitted` resolves once the
   * caller may spend work on this request (the rate-limit decision). Until then only cache reads run, alongside
   * the decision (the current-version pointer, then the price); PostgreSQL is asked, and a missing price loaded,
   * only after admission, so a rejected request costs its cache reads and nothing more. A rejection of `admitted`
   * rejects the calculation with that error.
   */
  async calculate(
    tenantId: string,
    request: PriceRequest,
    priceBookVersion: number | undefined,
    admitted: Promise<void> = Promise.resolve(),
  ): Promise<Price> {
    admitted.catch(() => undefined); // awaited below, after the cache reads have been started
    const knownVersion = priceBookVersion ?? (await this.peekCurrentVersion(tenantId));
    const early = knownVersion === undefined ? undefined : this.peekPrice(tenantId, knownVersion, request);
    early?.catch(() => undefined);
    await admitted;
    const version = knownVersion ?? (await this.current(tenantId)).currentVersion;
    const status = await this.offerStatuses.statusOf(tenantId, request.offerId);
    if (status !== 'ACTIVE') throw new OfferNotPriceableError(request.offerId, status ?? 'UNKNOWN');
    const price = (early && (await early)) ?? (await this.price(tenantId, version, request));
    if (price) {
      this.caches.hotPrices?.count(this.keys.hotPrices(tenantId, version), hotPriceMember(request));
      return price;
    }
    if (priceBookVersion !== undefined && !(await this.repository.versionExists(tenantId, priceBookVersion)))
      throw new PriceBookVersionNotFoundError(priceBookVersion);
    throw new NoPriceError(request.offerId, request.currency, version);
  }

  /**
   * Computes `request` in `version` and writes it to the price cache (pre-warm). False when the version has no
   * entry for it or the write failed.
   */
  async warm(tenantId: string, version: number, request: PriceRequest): Promise<boolean> {
    if (!this.caches.prices) return false;
    const price = await this.compute(tenantId, version, request);
    if (!price) return false;
    return this.caches.prices.set(this.keys.price(tenantId, version, request), priceCodec, price, {
      ttlSeconds: this.priceTtl,
    });
  }

  /** A new version was published: drop the current pointer here, in Redis, and on every instance. */
  async currentChanged(tenantId: string): Promise<void> {
    await this.caches.pointer?.invalidate([this.keys.current(tenantId)], { redis: true });
  }

  private async peekCurrentVersion(tenantId: string): Promise<number | undefined> {
    const current = await this.caches.pointer?.peek(this.keys.current(tenantId), currentCodec);
    return current?.currentVersion;
  }

  private async peekPrice(
    tenantId: string,
    version: number,
    request: PriceRequest,
  ): Promise<Price | undefined> {
    return this.caches.prices?.peek(this.keys.price(tenantId, version, request), priceCodec);
  }

  private price(tenantId: string, version: number, request: PriceRequest): Promise<Price | undefined> {
    const load = () => this.compute(tenantId, version, request);
    return this.caches.prices
      ? this.caches.prices.getOrLoad(this.keys.price(tenantId, version, request), priceCodec, load, {
          ttlSeconds: this.priceTtl,
        })
      : load();
  }

  private async compute(
    tenantId: string,
    version: number,
    request: PriceRequest,
  ): Promise<Price | undefined> {
    const entry = await this.entry(tenantId, version, request.offerId, request.currency);
    if (!entry) return undefined;
    const result = calculatePrice(entry, request);
    return {
      schemaVersion: 1,
      priceBookVersion: version,
      offerId: request.offerId,
      currency: request.currency,
      termMonths: request.termMonths,
      quantity: request.quantity,
      quantityTier: result.quantityTier,
      segment: request.segment,
      region: request.region,
      unitAmountMinor: result.unitAmountMinor,
      amountMinor: result.amountMinor,
      calculatedAt: this.now().toISOString(),
      explanation: result.explanation,
    };
  }

  private entry(tenantId: string, version: number, offerId: string, currency: string) {
    const load = () => this.repository.findEntry(tenantId, version, offerId, currency);
    return this.caches.entries
      ? this.caches.entries.getOrLoad(
          this.keys.entry(tenantId, version, offerId, currency),
          entryCodec,
          load,
          {
            ttlSeconds: this.entryTtl,
          },
        )
      : load();
  }
}
