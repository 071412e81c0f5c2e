import { describe, expect, it } from 'vitest';
import {
  InvalidPriceEntryError,
  InvalidPricingInputError,
  NoPriceError,
  PriceOverflowError,
  PricingError,
} from './pricing.errors';

describe('pricing errors', () => {
  it('keep their stable codes', () => {
    const errors = [
      new InvalidPricingInputError([{ pointer: '/quantity', message: 'x' }]),
      new NoPriceError('offer-a', 'EUR', 3),
      new InvalidPriceEntryError('offer-a', '/basePriceMinor', 'x'),
      new PriceOverflowError('amount', '1'),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'PRICING_INVALID_INPUT',
      'PRICING_NO_PRICE',
      'PRICING_INVALID_ENTRY',
      'PRICING_OVERFLOW',
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(PricingError);
  });

  it('carry their context', () => {
    const error = new NoPriceError('offer-a', 'EUR', 3);
    expect(error).toMatchObject({
      name: 'NoPriceError',
      offerId: 'offer-a',
      currency: 'EUR',
      priceBookVersion: 3,
    });
    expect(error.message).toBe('no price for offer offer-a in EUR in price book version 3');
  });
});
