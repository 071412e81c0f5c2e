import { describe, expect, it } from 'vitest';
import { calculatePrice } from './price-calculator';
import type { PriceEntry } from './price-entry';
import { entry, input, PRICE_CASES as cases } from '../../test/price-cases';
import { InvalidPriceEntryError, InvalidPricingInputError, PriceOverflowError } from './pricing.errors';

describe('calculatePrice', () => {
  it.each(cases)('$name', (c) => {
    const result = calculatePrice(c.entry, input(c.input));
    expect(result).toMatchObject({
      unitAmountMinor: c.unit,
      amountMinor: c.amount,
      quantityTier: c.tier ?? 0,
    });
    if (c.explanation) expect(result.explanation).toEqual(c.explanation);
  });

  it('ends every explanation with unit_amount, quantity and amount', () => {
    for (const c of cases) {
      const { explanation } = calculatePrice(c.entry, input(c.input));
      expect(explanation.slice(-3)).toEqual([
        `unit_amount:${c.unit}`,
        `quantity:${input(c.input).quantity}`,
        `amount:${c.amount}`,
      ]);
    }
  });

  it('throws PriceOverflowError when the amount exceeds MAX_SAFE_INTEGER', () => {
    // 90071992548 × 100000 = 9007199254800000 > 9007199254740991
    const run = () => calculatePrice(entry(90_071_992_548), input({ quantity: 100_000 }));
    expect(run).toThrow(PriceOverflowError);
    expect(run).toThrow(
      expect.objectContaining({ code: 'PRICING_OVERFLOW', step: 'amount', value: '9007199254800000' }),
    );
  });

  it('throws PriceOverflowError when a surcharge pushes the unit price past MAX_SAFE_INTEGER', () => {
    // 9007199254740991 + 900719925474 (1 bps, rounded) = 9008099974666465
    const run = () =>
      calculatePrice(entry(Number.MAX_SAFE_INTEGER, { regionAdjustmentsBps: { us: 1 } }), input());
    expect(run).toThrow(expect.objectContaining({ step: 'unit_amount', value: '9008099974666465' }));
  });

  it.each([
    [{ termMonths: 0 }, ['/termMonths']],
    [{ termMonths: 121 }, ['/termMonths']],
    [{ termMonths: 12.5 }, ['/termMonths']],
    [{ quantity: 0 }, ['/quantity']],
    [{ quantity: 100_001 }, ['/quantity']],
    [{ quantity: Number.NaN }, ['/quantity']],
    [{ termMonths: -1, quantity: 1.5 }, ['/termMonths', '/quantity']],
  ])('rejects out-of-range input %o', (bad, pointers) => {
    const run = () => calculatePrice(entry(100), input(bad));
    expect(run).toThrow(InvalidPricingInputError);
    expect(run).toThrow(expect.objectContaining({ code: 'PRICING_INVALID_INPUT' }));
    try {
      run();
    } catch (error) {
      expect((error as InvalidPricingInputError).violations.map((v) => v.pointer)).toEqual(pointers);
    }
  });

  it('accepts the range edges of termMonths and quantity', () => {
    expect(calculatePrice(entry(1), input({ termMonths: 1, quantity: 1 })).amountMinor).toBe(1);
    expect(calculatePrice(entry(1), input({ termMonths: 120, quantity: 100_000 })).amountMinor).toBe(100_000);
  });

  it.each<[string, PriceEntry]>([
    ['a negative base price', entry(-1)],
    ['a fractional base price', entry(1.5)],
    ['a term discount above 100 %', entry(100, { termDiscountsBps: { '12': 10_001 } })],
    ['a negative term discount', entry(100, { termDiscountsBps: { '12': -1 } })],
    ['a segment adjustment below -100 %', entry(100, { segmentAdjustmentsBps: { smb: -10_001 } })],
    ['a fractional region adjustment', entry(100, { regionAdjustmentsBps: { us: 0.5 } })],
  ])('rejects an entry with %s with PRICING_INVALID_ENTRY', (_, bad) => {
    expect(() => calculatePrice(bad, input())).toThrow(InvalidPriceEntryError);
  });
});
