import { describe, expect, it } from 'vitest';
import { priceLines } from './order-amounts';
import { OrderAmountOutOfRangeError } from './order.errors';

const line = (quantity: number, unitAmountMinor: number) => ({
  offerId: 'x',
  quantity,
  unitAmountMinor,
  termMonths: 12,
});

describe('priceLines', () => {
  it('amount = unit amount x quantity; total = their sum', () => {
    const priced = priceLines([line(3, 1_999), line(1, 0), line(100_000, 7)]);
    expect(priced.lines.map((l) => l.amountMinor)).toEqual([5_997, 0, 700_000]);
    expect(priced.totalAmountMinor).toBe(705_997);
  });

  it('refuses a line amount or a total beyond exact integers, naming where', () => {
    expect(() => priceLines([line(2, Number.MAX_SAFE_INTEGER)])).toThrow(OrderAmountOutOfRangeError);
    const half = Math.floor(Number.MAX_SAFE_INTEGER / 2) + 1;
    try {
      priceLines([line(1, half), line(1, half)]);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'ORDER_AMOUNT_OUT_OF_RANGE', pointer: '/lines' });
    }
    expect(priceLines([line(1, Number.MAX_SAFE_INTEGER)]).totalAmountMinor).toBe(Number.MAX_SAFE_INTEGER);
  });
});
