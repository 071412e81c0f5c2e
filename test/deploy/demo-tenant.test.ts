// The demo tenant `npm start` seeds is valid input for the services' own request schemas, and is the catalog the
// issue asks for: at least 20 offers with requires / excludes / quantity rules, a price book in two currencies.
import { describe, expect, it } from 'vitest';
import { publishCatalogBodySchema } from '../../apps/catalog-service/src/http/catalog.schemas';
import {
  calculateBodySchema,
  publishPriceBookBodySchema,
} from '../../apps/pricing-service/src/http/pricing.schemas';
import {
  DEMO_CALCULATION,
  DEMO_CURRENCIES,
  DEMO_OFFERS,
  DEMO_PRICE_ENTRIES,
} from '../../scripts/demo/demo-tenant';

describe('the demo tenant', () => {
  it('is a catalog the catalog-service accepts, with rules of every kind that name offers of the catalog', () => {
    expect(publishCatalogBodySchema.safeParse({ offers: DEMO_OFFERS }).error).toBeUndefined();
    expect(DEMO_OFFERS.length).toBeGreaterThanOrEqual(20);
    const ids = new Set(DEMO_OFFERS.map((offer) => offer.offerId));
    expect(ids.size).toBe(DEMO_OFFERS.length);
    const rules = DEMO_OFFERS.map((offer) => offer.rules ?? {});
    expect(rules.some((r) => r.requires?.length)).toBe(true);
    expect(rules.some((r) => r.excludes?.length)).toBe(true);
    expect(rules.some((r) => r.minQuantity !== undefined)).toBe(true);
    expect(rules.some((r) => r.maxQuantity !== undefined)).toBe(true);
    for (const offer of DEMO_OFFERS) {
      for (const other of [...(offer.rules?.requires ?? []), ...(offer.rules?.excludes ?? [])]) {
        expect(ids.has(other), `${offer.offerId} names ${other}`).toBe(true);
      }
      const { minQuantity = 1, maxQuantity = Infinity } = offer.rules ?? {};
      expect(minQuantity, offer.offerId).toBeLessThanOrEqual(maxQuantity);
    }
    expect(DEMO_OFFERS.some((offer) => offer.status === 'RETIRED')).toBe(true);
  });

  it('prices every active offer in both currencies, in a price book the pricing-service accepts', () => {
    expect(publishPriceBookBodySchema.safeParse({ entries: DEMO_PRICE_ENTRIES }).error).toBeUndefined();
    expect(DEMO_CURRENCIES).toHaveLength(2);
    const priced = new Set(DEMO_PRICE_ENTRIES.map((entry) => `${entry.offerId}:${entry.currency}`));
    expect(priced.size).toBe(DEMO_PRICE_ENTRIES.length);
    for (const offer of DEMO_OFFERS.filter((o) => o.status === 'ACTIVE')) {
      for (const currency of DEMO_CURRENCIES) expect(priced.has(`${offer.offerId}:${currency}`)).toBe(true);
    }
  });

  it('prints a calculation of an active, priced offer', () => {
    expect(calculateBodySchema.safeParse(DEMO_CALCULATION).error).toBeUndefined();
    expect(DEMO_OFFERS.find((offer) => offer.offerId === DEMO_CALCULATION.offerId)?.status).toBe('ACTIVE');
    const entry = DEMO_PRICE_ENTRIES.find(
      (e) => e.offerId === DEMO_CALCULATION.offerId && e.currency === DEMO_CALCULATION.currency,
    );
    expect(entry).toBeDefined();
  });
});
