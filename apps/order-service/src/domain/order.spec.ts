import { describe, expect, it } from 'vitest';
import { orderView } from './order';

describe('orderView', () => {
  it('puts members in the contract order whatever order they came in, and drops absent optionals', () => {
    const view = orderView({
      updatedAt: 'u',
      createdAt: 'c',
      totalAmountMinor: 5,
      lines: [{ amountMinor: 5, termMonths: 1, unitAmountMinor: 5, quantity: 1, offerId: 'a' }],
      currency: 'EUR',
      version: 1,
      status: 'CAPTURED',
      orderNumber: 'SO-2026-000001',
      orderId: 'o',
    });
    expect(JSON.stringify(view)).toBe(
      '{"orderId":"o","orderNumber":"SO-2026-000001","status":"CAPTURED","version":1,"currency":"EUR",' +
        '"lines":[{"offerId":"a","quantity":1,"unitAmountMinor":5,"termMonths":1,"amountMinor":5}],' +
        '"totalAmountMinor":5,"createdAt":"c","updatedAt":"u"}',
    );
  });
});
