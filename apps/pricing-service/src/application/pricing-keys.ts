import type { KeyFactory, RedisKey } from '@cpq/redis-runtime';
import type { PriceRequest } from '../domain/price-book';

/** Built hot-set keys kept for reuse (one per tenant and version read); cleared when full. */
const HOT_KEY_CACHE_SIZE = 10_000;

/** pricing-service's Redis keys, all from declared families (libs/redis-runtime platform-key-families). */
export class PricingKeys {
  private readonly hotSets = new Map<string, RedisKey>();

  constructor(private readonly keys: KeyFactory) {}

  current(tenantId: string): RedisKey {
    return this.keys.key('pricebook-current', tenantId, 'version');
  }

  /** One immutable price book entry of a version. */
  entry(tenantId: string, priceBookVersion: number, offerId: string, currency: string): RedisKey {
    return this.keys.key('pricebook-entry', tenantId, `v${priceBookVersion}`, offerId, currency);
  }

  /**
   * The cached price of one request: every input is in the key, the price book version first, so a publish moves
   * readers to new keys and no cached price is ever answered for other inputs.
   *
   * Quantity: the key carries the quantity itself (`q<quantity>`), not its tier: the tier depends on the entry,
   * which is not known before the read, and a cached price (whose `amountMinor` and explanation depend on the
   * quantity) must only ever be answered for exactly that quantity. Costs hit rate across quantities of one tier,
   * never correctness.
   */
  price(tenantId: string, priceBookVersion: number, request: PriceRequest): RedisKey {
    return this.keys.key(
      'price',
      tenantId,
      `v${priceBookVersion}`,
      request.offerId,
      request.currency,
      `t${request.termMonths}`,
      request.segment,
      request.region,
      `q${request.quantity}`,
    );
  }

  /** The most-calculated requests of one price book version (what the next version's publish pre-warms). */
  hotPrices(tenantId: string, priceBookVersion: number): RedisKey {
    const id = `${tenantId}\u0000${priceBookVersion}`;
    let key = this.hotSets.get(id);
    if (key === undefined) {
      if (this.hotSets.size >= HOT_KEY_CACHE_SIZE) this.hotSets.clear();
      key = this.keys.key('price-hot-keys', tenantId, `v${priceBookVersion}`);
      this.hotSets.set(id, key);
    }
    return key;
  }
}

/** A request as a member of the hot-prices set (every input but the version, which the set's key holds). */
export function hotPriceMember(request: PriceRequest): string {
  return JSON.stringify([
    request.offerId,
    request.currency,
    request.termMonths,
    request.segment,
    request.region,
    request.quantity,
  ]);
}

/** The request a hot-prices member stands for; undefined for a member this code did not write. */
export function requestOfHotPriceMember(member: string): PriceRequest | undefined {
  try {
    const parts: unknown = JSON.parse(member);
    if (!Array.isArray(parts) || parts.length !== 6) return undefined;
    const [offerId, currency, termMonths, segment, region, quantity] = parts as unknown[];
    if (
      typeof offerId !== 'string' ||
      typeof currency !== 'string' ||
      typeof segment !== 'string' ||
      typeof region !== 'string' ||
      !Number.isSafeInteger(termMonths) ||
      !Number.isSafeInteger(quantity)
    ) {
      return undefined;
    }
    return {
      offerId,
      currency,
      termMonths: termMonths as number,
      segment,
      region,
      quantity: quantity as number,
    };
  } catch {
    return undefined;
  }
}
