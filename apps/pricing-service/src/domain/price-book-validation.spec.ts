import { describe, expect, it } from 'vitest';
import { priceBookViolations } from './price-book-validation';

describe('priceBookViolations', () => {
  it('accepts distinct (offerId, currency) pairs and distinct tiers', () => {
    expect(
      priceBookViolations([
        { offerId: 'a', currency: 'USD', basePriceMinor: 1 },
        { offerId: 'a', currency: 'EUR', basePriceMinor: 1 },
        {
          offerId: 'b',
          currency: 'USD',
          basePriceMinor: 1,
          quantityTiers: [
            { minQuantity: 1, discountBps: 0 },
            { minQuantity: 10, discountBps: 5 },
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('points at a duplicate (offerId, currency) and a duplicate tier minQuantity', () => {
    const violations = priceBookViolations([
      { offerId: 'a', currency: 'USD', basePriceMinor: 1 },
      {
        offerId: 'a',
        currency: 'USD',
        basePriceMinor: 2,
        quantityTiers: [
          { minQuantity: 5, discountBps: 0 },
          { minQuantity: 5, discountBps: 10 },
        ],
      },
    ]);
    expect(violations.map((v) => v.pointer)).toEqual([
      '/entries/1',
      '/entries/1/quantityTiers/1/minQuantity',
    ]);
  });
});
