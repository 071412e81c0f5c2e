import { describe, expect, it } from 'vitest';
import {
  CATALOG_UNAVAILABLE,
  catalogWasUnavailable,
  validateSelection,
  type OfferLookup,
  type OfferRules,
} from './selection-validation';

const found = (offerId: string, rules: OfferRules['rules'] = {}, status: OfferRules['status'] = 'ACTIVE') =>
  [offerId, { kind: 'found', offer: { offerId, status, rules } }] as [string, OfferLookup];

const catalog = new Map<string, OfferLookup>([
  found('router'),
  found('fiber', { requires: ['router'], maxQuantity: 1 }),
  found('phone', { minQuantity: 2, maxQuantity: 5 }),
  found('legacy-dsl', { excludes: ['fiber'] }, 'RETIRED'),
  found('tv', { excludes: ['tv-basic'] }),
  found('tv-basic', { excludes: ['tv'] }),
  ['ghost', { kind: 'unknown' }],
  ['flaky', { kind: 'unavailable' }],
]);

const codes = (selected: { offerId: string; quantity: number }[]) =>
  validateSelection(selected, catalog).errors.map((e) => [e.code, e.offerId]);

describe('validateSelection', () => {
  it('accepts a selection that meets every rule', () => {
    expect(
      validateSelection(
        [
          { offerId: 'router', quantity: 1 },
          { offerId: 'fiber', quantity: 1 },
          { offerId: 'phone', quantity: 3 },
        ],
        catalog,
      ),
    ).toEqual({ valid: true, errors: [], warnings: [] });
    expect(validateSelection([], catalog)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('OFFER_UNKNOWN: not in the catalog version', () => {
    expect(codes([{ offerId: 'ghost', quantity: 1 }])).toEqual([['OFFER_UNKNOWN', 'ghost']]);
  });

  it('OFFER_RETIRED: retired offers cannot be configured', () => {
    expect(codes([{ offerId: 'legacy-dsl', quantity: 1 }])).toEqual([['OFFER_RETIRED', 'legacy-dsl']]);
  });

  it('QUANTITY_BELOW_MIN and QUANTITY_ABOVE_MAX, per line', () => {
    expect(codes([{ offerId: 'phone', quantity: 1 }])).toEqual([['QUANTITY_BELOW_MIN', 'phone']]);
    expect(codes([{ offerId: 'phone', quantity: 6 }])).toEqual([['QUANTITY_ABOVE_MAX', 'phone']]);
    expect(codes([{ offerId: 'phone', quantity: 2 }])).toEqual([]);
    expect(codes([{ offerId: 'phone', quantity: 5 }])).toEqual([]);
  });

  it('REQUIRES_MISSING: names the offer that requires', () => {
    expect(codes([{ offerId: 'fiber', quantity: 1 }])).toEqual([['REQUIRES_MISSING', 'fiber']]);
  });

  it('EXCLUDES_CONFLICT: one error per pair, whichever side declares it', () => {
    expect(
      codes([
        { offerId: 'tv', quantity: 1 },
        { offerId: 'tv-basic', quantity: 1 },
      ]),
    ).toEqual([['EXCLUDES_CONFLICT', 'tv']]);
    expect(
      codes([
        { offerId: 'router', quantity: 1 },
        { offerId: 'fiber', quantity: 1 },
        { offerId: 'legacy-dsl', quantity: 1 },
      ]),
    ).toEqual([
      ['OFFER_RETIRED', 'legacy-dsl'],
      ['EXCLUDES_CONFLICT', 'legacy-dsl'],
    ]);
  });

  it('DUPLICATE_OFFER: reported once per offer, and each line still checked for its quantity', () => {
    expect(
      codes([
        { offerId: 'phone', quantity: 3 },
        { offerId: 'phone', quantity: 9 },
        { offerId: 'phone', quantity: 3 },
      ]),
    ).toEqual([
      ['DUPLICATE_OFFER', 'phone'],
      ['QUANTITY_ABOVE_MAX', 'phone'],
    ]);
  });

  it('lists every failure at once', () => {
    expect(
      codes([
        { offerId: 'ghost', quantity: 1 },
        { offerId: 'fiber', quantity: 2 },
        { offerId: 'phone', quantity: 1 },
      ]),
    ).toEqual([
      ['OFFER_UNKNOWN', 'ghost'],
      ['QUANTITY_ABOVE_MAX', 'fiber'],
      ['REQUIRES_MISSING', 'fiber'],
      ['QUANTITY_BELOW_MIN', 'phone'],
    ]);
  });

  it('an offer that could not be read: CATALOG_UNAVAILABLE warning, invalid, other rules still checked', () => {
    const summary = validateSelection(
      [
        { offerId: 'flaky', quantity: 1 },
        { offerId: 'phone', quantity: 1 },
      ],
      catalog,
    );
    expect(summary.valid).toBe(false);
    expect(summary.warnings).toEqual([
      { code: CATALOG_UNAVAILABLE, offerId: 'flaky', message: expect.any(String) },
    ]);
    expect(summary.errors.map((e) => e.code)).toEqual(['QUANTITY_BELOW_MIN']);
    expect(catalogWasUnavailable(summary)).toBe(true);
    expect(catalogWasUnavailable(validateSelection([{ offerId: 'router', quantity: 1 }], catalog))).toBe(
      false,
    );
  });

  it('an offer missing from the lookup counts as unreadable, never as valid', () => {
    expect(validateSelection([{ offerId: 'not-looked-up', quantity: 1 }], catalog).valid).toBe(false);
  });
});
