import { newEnvelope, TOPICS } from '@cpq/contracts';
import { countQueries, createKafkaClient, silentEventsLogger } from '@cpq/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import {
  baseRequest,
  calculate,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readsEntries = (statement: string) => statement.includes('"pricing"."price_entries"');

/** Polls `probe` every 20 ms until it answers true; returns the ms it took. */
async function within(timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

const book = (basePriceMinor: number) => [
  { offerId: 'fiber-1g', currency: 'USD', basePriceMinor },
  { offerId: 'router', currency: 'USD', basePriceMinor: 500 },
];

describe('pricing-service across two instances (real PostgreSQL, Redis and Kafka)', () => {
  let a: PricingInstance;
  let b: PricingInstance;

  beforeAll(async () => {
    // the longest pointer near-cache the config allows: only an invalidation can move B to a new version in time
    const env = { PRICING_NEAR_CACHE_TTL_MS: '60000', PRICING_OFFER_STATUS_TTL_MS: '60000' };
    [a, b] = await Promise.all([startPricing(env), startPricing(env)]);
  });

  it('a publish on A moves B to the new version within 1 s, though B near-caches the pointer for 60 s', async () => {
    const tenant = newTenant();
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    await publishBook(a.url, tenant, book(1000));
    expect((await calculate(b.url, tenant, baseRequest)).body).toMatchObject({
      priceBookVersion: 1,
      unitAmountMinor: 1000,
    });
    await publishBook(a.url, tenant, book(2000));
    const ms = await within(1000, async () => {
      const response = await calculate(b.url, tenant, baseRequest);
      return response.body.priceBookVersion === 2 && response.body.unitAmountMinor === 2000;
    });
    expect(ms).toBeLessThan(1000);
  });

  it('a publish pre-warms the previous version’s most-calculated prices into the new version, once', async () => {
    const tenant = newTenant();
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE', router: 'ACTIVE' });
    await publishBook(a.url, tenant, book(1000));
    const hot = { ...baseRequest, quantity: 3 };
    const warm = { ...baseRequest, offerId: 'router', quantity: 1 };
    for (let i = 0; i < 5; i++) {
      expect((await calculate(a.url, tenant, hot)).status).toBe(200);
      expect((await calculate(b.url, tenant, hot)).status).toBe(200);
    }
    expect((await calculate(b.url, tenant, warm)).status).toBe(200);
    // the tally is sent by a timer; send it now rather than wait for it
    await Promise.all([a.runtime.hotPrices.flush(), b.runtime.hotPrices.flush()]);
    const redis = a.runtime.redis.connection('cache').client;
    expect(await redis.zrevrange(a.runtime.keys.hotPrices(tenant, 1).key, 0, -1, 'WITHSCORES')).toEqual([
      JSON.stringify(['fiber-1g', 'USD', 36, 'enterprise', 'eu', 3]),
      '10',
      JSON.stringify(['router', 'USD', 36, 'enterprise', 'eu', 1]),
      '1',
    ]);

    await publishBook(b.url, tenant, book(3000));
    const hotV2 = a.runtime.keys.price(tenant, 2, hot).key;
    const warmV2 = a.runtime.keys.price(tenant, 2, warm).key;
    await within(8000, async () => (await redis.exists(hotV2, warmV2)) === 2);
    expect(await redis.exists(a.runtime.keys.price(tenant, 2, baseRequest).key)).toBe(0); // never calculated

    // the first v2 calculation on either instance is a hit: no price entry read, the pre-warmed value
    const queries = countQueries(b.runtime.database);
    try {
      const first = await calculate(b.url, tenant, hot);
      expect(first.body).toMatchObject({ priceBookVersion: 2, unitAmountMinor: 3000, amountMinor: 9000 });
      expect(queries.statements.filter(readsEntries)).toEqual([]);
      const again = await calculate(a.url, tenant, hot);
      expect(again.body).toEqual(first.body);
    } finally {
      queries.stop();
    }
    // one instance handled each event: one inbox row per publish in the pre-warm group. The pre-warm writes Redis
    // before its inbox row commits, so v2's row may land just after the keys above: wait for it, then check no
    // publish has a second row.
    const inboxRows = async () => {
      const rows = await sql<{ n: string; events: string }>`
        select count(*) as n, count(distinct i.event_id) as events
        from pricing.inbox i join pricing.outbox o on o.event_id = i.event_id
        where i.consumer_group = ${'pricing-service-prewarm.' + a.runtime.config.APP_ENV}
          and o.envelope->>'tenantId' = ${tenant}`.execute(a.runtime.database.db);
      return { rows: Number(rows.rows[0]!.n), events: Number(rows.rows[0]!.events) };
    };
    await within(5000, async () => (await inboxRows()).rows >= 2);
    expect(await inboxRows()).toEqual({ rows: 2, events: 2 });
  });

  describe('an offer retired by a catalog event', () => {
    const producer = createKafkaClient(
      { brokers: infraEnv().kafkaBrokers, clientId: 'pricing-instances-test' },
      silentEventsLogger,
    ).producer();
    beforeAll(() => producer.connect());
    afterAll(() => producer.disconnect());

    it('is refused with 422 by both instances soon after the projection commits, though both held it ACTIVE', async () => {
      const tenant = newTenant();
      await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' }, 1);
      await publishBook(a.url, tenant, book(1000));
      // both instances now hold fiber-1g ACTIVE in process (TTL 60 s) and its price in Redis
      expect((await calculate(a.url, tenant, baseRequest)).status).toBe(200);
      expect((await calculate(b.url, tenant, baseRequest)).status).toBe(200);
      const retired = newEnvelope({
        topic: TOPICS.catalogPublished,
        tenantId: tenant,
        aggregateId: 'v2',
        payload: {
          catalogVersion: 2,
          publishedAt: new Date().toISOString(),
          offers: [{ offerId: 'fiber-1g', status: 'RETIRED' }],
        },
      });
      const db = a.runtime.database.db;
      const committedAt = async () => {
        const row = await sql<{ status: string }>`select status from pricing.offer_status
          where tenant_id = ${tenant} and offer_id = 'fiber-1g'`.execute(db);
        return row.rows[0]?.status === 'RETIRED';
      };
      // a new group may be assigned its partitions after start(): resend the same event (the inbox applies it once)
      await within(20_000, async () => {
        await producer.send({
          topic: TOPICS.catalogPublished,
          messages: [{ key: `${tenant}:v2`, value: JSON.stringify(retired) }],
        });
        return within(1000, committedAt).then(
          () => true,
          () => false,
        );
      });
      // the committing instance dropped the tenant's statuses and told the other over Pub/Sub
      const ms = await within(1000, async () => {
        const [fromA, fromB] = await Promise.all([
          calculate(a.url, tenant, baseRequest),
          calculate(b.url, tenant, baseRequest),
        ]);
        return fromA.status === 422 && fromB.status === 422;
      });
      expect(ms).toBeLessThan(1000);
    });
  });
});
