import { describe, expect, it } from 'vitest';
import { catalogViolations } from './catalog-validation';
import type { Offer } from './offer';

const offer = (offerId: string, rules?: Offer['rules']): Offer => ({
  offerId,
  displayName: offerId,
  status: 'ACTIVE',
  eligibleActions: ['ADD'],
  ...(rules ? { rules } : {}),
});

describe('catalogViolations', () => {
  it('accepts a consistent catalog', () => {
    expect(
      catalogViolations([offer('a', { requires: ['b'], minQuantity: 1, maxQuantity: 1 }), offer('b')]),
    ).toEqual([]);
  });

  it('reports duplicate offerIds with both positions', () => {
    expect(catalogViolations([offer('a'), offer('b'), offer('a')])).toEqual([
      { pointer: '/offers/2/offerId', message: 'duplicate offerId a (also at /offers/0)' },
    ]);
  });

  it('reports rules that refer to offers outside the version, or to the offer itself', () => {
    const violations = catalogViolations([offer('a', { requires: ['zzz'], excludes: ['a'] })]);
    expect(violations.map((v) => v.pointer)).toEqual([
      '/offers/0/rules/requires/0',
      '/offers/0/rules/excludes/0',
    ]);
  });

  it('reports minQuantity above maxQuantity, and every violation at once', () => {
    const violations = catalogViolations([offer('a', { minQuantity: 5, maxQuantity: 2 }), offer('a')]);
    expect(violations).toHaveLength(2);
    expect(violations.map((v) => v.pointer)).toContain('/offers/0/rules/minQuantity');
  });
});
