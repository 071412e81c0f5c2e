import { countQueries } from '@cpq/platform';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  baseRequest,
  calculate,
  call,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  token,
  type PricingInstance,
} from './pricing-fixture';

/** A hand-computed entry: see the expected explanation in the first test. */
const fiber = {
  offerId: 'fiber-1g',
  currency: 'USD',
  basePriceMinor: 150000,
  termDiscountsBps: { '12': 1000, '36': 1340 },
  segmentAdjustmentsBps: { enterprise: -500 },
  regionAdjustmentsBps: { eu: 250 },
  quantityTiers: [
    { minQuantity: 1, discountBps: 0 },
    { minQuantity: 10, discountBps: 300 },
  ],
};

const readsEntries = (statement: string) => /"pricing"\."price_entries"/.test(statement);
const readsOfferStatus = (statement: string) => /"pricing"\."offer_status"/.test(statement);

describe('pricing-service publish and calculate (real PostgreSQL, Redis and Kafka)', () => {
  let a: PricingInstance;

  beforeAll(async () => {
    a = await startPricing();
  });

  it('publishes v1 with its outbox event, then calculates the hand-computed price exactly', async () => {
    const tenant = newTenant();
    const published = await publishBook(a.url, tenant, [
      fiber,
      { offerId: 'router', currency: 'EUR', basePriceMinor: 999 },
    ]);
    expect(published).toEqual({ priceBookVersion: 1, entryCount: 2 });
    const db = a.runtime.database.db as unknown as Kysely<any>;
    const outbox = await sql<{ topic: string; envelope: any }>`select topic, envelope from pricing.outbox
      where envelope->>'tenantId' = ${tenant}`.execute(db);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]!.topic).toBe('cpq.pricebook.published.v1');
    expect(outbox.rows[0]!.envelope.payload).toMatchObject({
      priceBookVersion: 1,
      entryCount: 2,
      offerIds: ['fiber-1g', 'router'],
    });

    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    const response = await calculate(a.url, tenant, baseRequest);
    expect(response.status).toBe(200);
    // 150000; term 36 → 1340 bps: -20100 → 129900; enterprise -500 bps: -6495 → 123405;
    // eu +250 bps: +3085.125 → +3085 → 126490; tier 2 (≥10) 300 bps: -3794.7 → -3795 → 122695; × 12 = 1472340
    expect(response.body).toEqual({
      schemaVersion: 1,
      priceBookVersion: 1,
      offerId: 'fiber-1g',
      currency: 'USD',
      termMonths: 36,
      quantity: 12,
      quantityTier: 2,
      segment: 'enterprise',
      region: 'eu',
      unitAmountMinor: 122695,
      amountMinor: 1472340,
      calculatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      explanation: [
        'base_price:150000',
        'term_discount:-20100',
        'segment_adjustment:-6495',
        'region_adjustment:3085',
        'quantity_tier_discount:-3795',
        'unit_amount:122695',
        'quantity:12',
        'amount:1472340',
      ],
    });
  });

  it('answers 404 for a currency without an entry, no price book, and an unknown version', async () => {
    const tenant = newTenant();
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    const none = await calculate(a.url, tenant, baseRequest);
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.body.title).toBe('No price book published');
    await publishBook(a.url, tenant, [fiber]);
    const eur = await calculate(a.url, tenant, { ...baseRequest, currency: 'EUR' });
    expect(eur.status).toBe(404);
    expect(eur.body).toMatchObject({ type: 'https://cpq.dev/problems/not-found', title: 'No price' });
    const v9 = await calculate(a.url, tenant, { ...baseRequest, priceBookVersion: 9 });
    expect(v9.status).toBe(404);
    expect(v9.body.title).toBe('Price book version not found');
  });

  it('answers 422 for a retired offer and for an offer the catalog never published', async () => {
    const tenant = newTenant();
    await publishBook(a.url, tenant, [fiber, { ...fiber, offerId: 'old-offer' }]);
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE', 'old-offer': 'RETIRED' });
    expect((await calculate(a.url, tenant, baseRequest)).status).toBe(200);
    const retired = await calculate(a.url, tenant, { ...baseRequest, offerId: 'old-offer' });
    expect(retired.status).toBe(422);
    expect(retired.body.type).toBe('https://cpq.dev/problems/unprocessable-content');
    const unknown = await calculate(a.url, tenant, { ...baseRequest, offerId: 'nobody-knows' });
    expect(unknown.status).toBe(422);
    // a retirement after the price was cached still wins over the cache
    await setOfferStatus(a, tenant, { 'fiber-1g': 'RETIRED' }, 2);
    expect((await calculate(a.url, tenant, baseRequest)).status).toBe(422);
  });

  it('answers a repeated calculation from the cache without reading a price entry', async () => {
    const tenant = newTenant();
    await publishBook(a.url, tenant, [fiber]);
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    const counter = countQueries(a.runtime.database);
    try {
      const first = await calculate(a.url, tenant, baseRequest);
      expect(first.status).toBe(200);
      expect(counter.statements.filter(readsEntries)).toHaveLength(1);
      expect(counter.statements.filter(readsOfferStatus)).toHaveLength(1); // dropped by setOfferStatus: read once
      counter.reset();
      const second = await calculate(a.url, tenant, baseRequest);
      expect(second.body).toEqual(first.body); // same calculatedAt: the cached value
      expect(counter.statements.filter(readsEntries)).toHaveLength(0);
      // another quantity is another key: computed, never the cached amount of quantity 12, from the entry the
      // first calculation cached (pricebook-entry), so still no entry query
      const other = await calculate(a.url, tenant, { ...baseRequest, quantity: 13 });
      expect(other.body).toMatchObject({ quantity: 13, unitAmountMinor: 122695, amountMinor: 122695 * 13 });
      expect(other.body.calculatedAt).not.toBe(first.body.calculatedAt);
      expect(counter.statements.filter(readsEntries)).toHaveLength(0);
      // and no offer-status query either: the status of an offer just priced is held in process. (Not "no statement
      // at all": the publish event of this test reaches the relay, the consumers and the pointer cache while it
      // runs; the one-round-trip test proves zero queries per cached request with events off.)
      expect(counter.statements.filter(readsOfferStatus)).toEqual([]);
    } finally {
      counter.stop();
    }
  });

  it('never answers a new price book version from the old version cache', async () => {
    const tenant = newTenant();
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    await publishBook(a.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 1000 }]);
    const v1 = await calculate(a.url, tenant, baseRequest);
    expect(v1.body).toMatchObject({ priceBookVersion: 1, unitAmountMinor: 1000 });
    expect((await calculate(a.url, tenant, baseRequest)).body.unitAmountMinor).toBe(1000); // cached
    await publishBook(a.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 2000 }]);
    const v2 = await calculate(a.url, tenant, baseRequest);
    expect(v2.body).toMatchObject({ priceBookVersion: 2, unitAmountMinor: 2000, amountMinor: 24000 });
    const pinned = await calculate(a.url, tenant, { ...baseRequest, priceBookVersion: 1 });
    expect(pinned.body).toMatchObject({ priceBookVersion: 1, unitAmountMinor: 1000 });
  });

  it('changes the cache key when any single input changes', () => {
    const keys = a.runtime.keys;
    const base = keys.price('t1', 1, baseRequest).key;
    expect(base).toContain(':price:calc:');
    const variants = [
      keys.price('t2', 1, baseRequest),
      keys.price('t1', 2, baseRequest),
      keys.price('t1', 1, { ...baseRequest, offerId: 'router' }),
      keys.price('t1', 1, { ...baseRequest, currency: 'EUR' }),
      keys.price('t1', 1, { ...baseRequest, termMonths: 24 }),
      keys.price('t1', 1, { ...baseRequest, quantity: 13 }),
      keys.price('t1', 1, { ...baseRequest, segment: 'smb' }),
      keys.price('t1', 1, { ...baseRequest, region: 'us' }),
    ].map((k) => k.key);
    for (const variant of variants) expect(variant).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('rejects invalid publishes and calculations with 400 problems and pointers', async () => {
    const tenant = newTenant();
    const adminToken = await admin(tenant);
    const post = (body: unknown) =>
      call(a.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, { token: adminToken, body });
    const duplicate = await post({ entries: [fiber, { ...fiber, basePriceMinor: 1 }] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/entries/1']);
    const tiers = await post({
      entries: [
        {
          ...fiber,
          quantityTiers: [
            { minQuantity: 5, discountBps: 0 },
            { minQuantity: 5, discountBps: 1 },
          ],
        },
      ],
    });
    expect(tiers.status).toBe(400);
    expect(tiers.body.errors[0].pointer).toBe('/entries/0/quantityTiers/1/minQuantity');
    for (const entry of [
      { ...fiber, currency: 'usd' },
      { ...fiber, currency: 'XXX' },
      { ...fiber, basePriceMinor: -1 },
      { ...fiber, termDiscountsBps: { '12': 10001 } },
      { ...fiber, segmentAdjustmentsBps: { smb: -10001 } },
      { ...fiber, quantityTiers: [{ minQuantity: 0, discountBps: 0 }] },
      { ...fiber, extra: true },
    ]) {
      const response = await post({ entries: [entry] });
      expect(response.status, JSON.stringify(entry)).toBe(400);
      expect(response.body.errors?.length, JSON.stringify(entry)).toBeGreaterThan(0);
    }
    expect((await post({ entries: [] })).status).toBe(400);
    for (const body of [
      { ...baseRequest, termMonths: 0 },
      { ...baseRequest, termMonths: 121 },
      { ...baseRequest, quantity: 100001 },
      { ...baseRequest, segment: 'Bad:Segment' },
      { ...baseRequest, currency: 'usd' },
      { ...baseRequest, unknown: 1 },
    ]) {
      expect((await calculate(a.url, tenant, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("takes price books up to 8 MiB (the publish limit) and names each route's own limit in its 413", async () => {
    const tenant = newTenant();
    const entries = Array.from({ length: 5000 }, (_, i) => ({
      ...fiber,
      offerId: `offer-${String(i).padStart(4, '0')}`,
      segmentAdjustmentsBps: { enterprise: -500, smb: 250 },
    }));
    const body = JSON.stringify({ entries });
    expect(body.length).toBeGreaterThan(256 * 1024); // before: refused with 413 like any other route
    const published = await call(a.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, {
      token: await admin(tenant),
      rawBody: body,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toEqual({ priceBookVersion: 1, entryCount: 5000 });

    const tooLarge = await call(a.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, {
      token: await admin(tenant),
      rawBody: `{"entries":[],"pad":"${'x'.repeat(8 * 1024 * 1024)}"}`,
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.detail).toBe('The request body exceeds the limit of 8 MiB.');
    const calculateTooLarge = await calculate(a.url, tenant, { ...baseRequest, region: 'x'.repeat(300_000) });
    expect(calculateTooLarge.status).toBe(413);
    expect(calculateTooLarge.body.detail).toBe('The request body exceeds the limit of 256 KiB.');
  });

  it('answers malformed, oversize or mistyped calculate bodies with 4xx problems, never 5xx', async () => {
    const tenant = newTenant();
    const path = `/v1/tenants/${tenant}/prices/calculate`;
    const auth = await token(tenant);
    const cases: [string, Parameters<typeof call>[3], number][] = [
      ['malformed JSON', { token: auth, rawBody: '{"offerId": "fiber-1g",' }, 400],
      ['empty body', { token: auth, rawBody: '' }, 400],
      ['JSON null', { token: auth, rawBody: 'null' }, 400],
      ['JSON array', { token: auth, body: [baseRequest] }, 400],
      ['quantity as a string', { token: auth, body: { ...baseRequest, quantity: '12' } }, 400],
      ['fractional quantity', { token: auth, body: { ...baseRequest, quantity: 1.5 } }, 400],
      ['priceBookVersion 0', { token: auth, body: { ...baseRequest, priceBookVersion: 0 } }, 400],
      ['missing offerId', { token: auth, body: { ...baseRequest, offerId: undefined } }, 400],
      [
        'text/plain body (parsed as a string, not an object)',
        { token: auth, rawBody: JSON.stringify(baseRequest), headers: { 'content-type': 'text/plain' } },
        400,
      ],
      ['XML body', { token: auth, rawBody: '<price/>', headers: { 'content-type': 'application/xml' } }, 415],
      ['body over 256 KiB', { token: auth, body: { ...baseRequest, region: 'x'.repeat(300_000) } }, 413],
    ];
    for (const [name, options, status] of cases) {
      const response = await call(a.url, 'POST', path, options);
      expect(response.status, name).toBe(status);
      expect(response.headers.get('content-type'), name).toContain('application/problem+json');
      expect(response.body, name).toMatchObject({ status });
    }
    const badTenant = await call(a.url, 'POST', '/v1/tenants/Not_A_Tenant!/prices/calculate', {
      token: auth,
      body: baseRequest,
    });
    expect(badTenant.status).toBeGreaterThanOrEqual(400);
    expect(badTenant.status).toBeLessThan(500);
    // the field errors point at what is wrong
    const typed = await call(a.url, 'POST', path, { token: auth, body: { ...baseRequest, quantity: '12' } });
    expect(typed.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/quantity' })]);
  });

  it('documents calculate in the OpenAPI document as a POST with its body schema', async () => {
    const doc = (await call(a.url, 'GET', '/docs/openapi.json')).body;
    const operation = doc.paths['/v1/tenants/{tenantId}/prices/calculate'].post;
    expect(operation.summary).toBe('Calculate the price of an offer');
    const schema = operation.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining(['offerId', 'currency', 'termMonths', 'quantity', 'segment', 'region']),
    );
    expect(Object.keys(operation.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '422', '429', '503']),
    );
  });

  it('answers 401 without a token and 403 for another tenant or a missing role', async () => {
    const tenant = newTenant();
    const path = `/v1/tenants/${tenant}/prices/calculate`;
    expect((await call(a.url, 'POST', path, { body: baseRequest })).status).toBe(401);
    const other = await call(a.url, 'POST', path, { token: await token('someone-else'), body: baseRequest });
    expect(other.status).toBe(403);
    const noRole = await call(a.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, {
      token: await token(tenant, ['catalog:admin']),
      body: { entries: [fiber] },
    });
    expect(noRole.status).toBe(403);
  });
});
