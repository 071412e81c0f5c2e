import type { KeyFactory, RedisKey } from '@cpq/redis-runtime';
import type { PriceRequest } from '../domain/price-book';

/** pricing-service's Redis keys, all from declared families (libs/redis-runtime platform-key-families). */
export class PricingKeys {
  constructor(private readonly keys: KeyFactory) {}

  current(tenantId: string): RedisKey {
    return this.keys.key('pricebook-current', tenantId, 'version');
  }

  /**
   * The cached price of one request: every input is in the key, the price book version first, so a publish moves
   * readers to new keys and no cached price is ever answered for other inputs.
   *
   * Quantity: the family documents `q<quantityTier>`, but the tier depends on the entry, which is not known before
   * the read. The key therefore carries the quantity itself (`q<quantity>`): a cached price (whose `amountMinor`
   * and explanation depend on the quantity) is only ever answered for exactly that quantity. Costs hit rate across
   * quantities of one tier, never correctness.
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
}
