import { beforeAll, describe, expect, it } from 'vitest';
import { calculatePrice } from '../src/domain/price-calculator';
import { input, PRICE_CASES as cases } from './price-cases';
import {
  admin,
  calculate,
  call,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

/**
 * The hand-computed table of the engine's unit test, checked against the engine again and then end to end: every
 * entry is published through HTTP (one price book, one offer per case), the offers are made ACTIVE in the catalog
 * projection, and each case is calculated through `POST /prices/calculate`. The table lives in price-cases.ts.
 * The publish schema accepts only whole months 1..120 as term keys: one case exists for the engine alone.
 */
const ENGINE_ONLY = new Set(['term: keys that are not months are ignored']);
const httpCases = cases
  .filter((c) => !ENGINE_ONLY.has(c.name))
  .map((c, i) => ({ ...c, offerId: `case-${String(i + 1).padStart(2, '0')}` }));

describe('the hand-written pricing table, through the engine and through HTTP', () => {
  let a: PricingInstance;
  let tenant: string;

  beforeAll(async () => {
    a = await startPricing();
    tenant = newTenant();
    const published = await publishBook(
      a.url,
      tenant,
      httpCases.map((c) => ({ ...c.entry, offerId: c.offerId })),
    );
    expect(published).toEqual({ priceBookVersion: 1, entryCount: httpCases.length });
    await setOfferStatus(a, tenant, Object.fromEntries(httpCases.map((c) => [c.offerId, 'ACTIVE' as const])));
  });

  it('has at least 30 distinct cases through HTTP', () => {
    expect(cases).toHaveLength(41);
    expect(httpCases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(httpCases.map((c) => c.name)).size).toBe(httpCases.length);
  });

  it.each(cases)('engine: $name', (c) => {
    const result = calculatePrice(c.entry, input(c.input));
    expect(result).toMatchObject({
      unitAmountMinor: c.unit,
      amountMinor: c.amount,
      quantityTier: c.tier ?? 0,
    });
    if (c.explanation) expect(result.explanation).toEqual(c.explanation);
    expect(result.explanation[0]).toBe(`base_price:${c.entry.basePriceMinor}`);
    expect(result.explanation.slice(-3)).toEqual([
      `unit_amount:${c.unit}`,
      `quantity:${input(c.input).quantity}`,
      `amount:${c.amount}`,
    ]);
  });

  it.each(httpCases)('HTTP: $name ($offerId)', async (c) => {
    const request = { offerId: c.offerId, currency: 'USD', ...input(c.input) };
    const response = await calculate(a.url, tenant, request);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    // the engine's explanation of this entry, hand-checked above where the table spells it out
    const engine = calculatePrice({ ...c.entry, offerId: c.offerId }, input(c.input));
    expect(response.body).toEqual({
      schemaVersion: 1,
      priceBookVersion: 1,
      ...request,
      quantityTier: c.tier ?? 0,
      unitAmountMinor: c.unit,
      amountMinor: c.amount,
      calculatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      explanation: c.explanation ?? engine.explanation,
    });
    expect(response.body.explanation).toEqual(engine.explanation);
    expect(response.body.explanation[0]).toBe(`base_price:${c.entry.basePriceMinor}`);
    expect(response.body.explanation.slice(-3)).toEqual([
      `unit_amount:${c.unit}`,
      `quantity:${request.quantity}`,
      `amount:${c.amount}`,
    ]);
    // the same price again, pinned to version 1: answered from the cache, identical
    const pinned = await calculate(a.url, tenant, { ...request, priceBookVersion: 1 });
    expect(pinned.status).toBe(200);
    expect(pinned.body).toEqual(response.body);
  });

  it('rejects the engine-only case at publish: term keys that are not months (400 with pointers)', async () => {
    const c = cases.find((x) => ENGINE_ONLY.has(x.name))!;
    const other = newTenant();
    const response = await call(a.url, 'POST', `/v1/tenants/${other}/pricebooks/versions`, {
      token: await admin(other),
      body: { entries: [c.entry] },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/entries\/0\/termDiscountsBps/)]),
    );
  });
});
