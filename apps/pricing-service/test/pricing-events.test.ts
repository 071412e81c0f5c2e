import { newEnvelope, TOPICS } from '@cpq/contracts';
import { createKafkaClient, silentEventsLogger } from '@cpq/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import {
  baseRequest,
  calculate,
  newTenant,
  publishBook,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

const waitUntil = async (condition: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('pricing-service catalog projection (real Kafka)', () => {
  let a: PricingInstance;

  beforeAll(async () => {
    a = await startPricing();
  });

  it('fills offer_status from cpq.catalog.published.v1 and ignores an older catalog version', async () => {
    const tenant = newTenant();
    await publishBook(a.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 100 }]);
    expect((await calculate(a.url, tenant, baseRequest)).status).toBe(422); // unknown to the catalog yet

    const event = (catalogVersion: number, status: 'ACTIVE' | 'RETIRED') =>
      newEnvelope({
        topic: TOPICS.catalogPublished,
        tenantId: tenant,
        aggregateId: `v${catalogVersion}`,
        payload: {
          catalogVersion,
          publishedAt: new Date().toISOString(),
          offers: [{ offerId: 'fiber-1g', status }],
        },
      });
    const producer = createKafkaClient(
      { brokers: infraEnv().kafkaBrokers, clientId: 'pricing-test' },
      silentEventsLogger,
    ).producer();
    await producer.connect();
    const send = async (envelope: ReturnType<typeof event>) =>
      producer.send({
        topic: TOPICS.catalogPublished,
        messages: [{ key: `${tenant}:${envelope.aggregateId}`, value: JSON.stringify(envelope) }],
      });
    try {
      // A fresh group starts at the latest offset once its partitions are assigned, which may come after `start()`
      // resolved: resend the same event (same eventId, so the inbox applies it once) until it is consumed.
      const first = event(2, 'ACTIVE');
      await waitUntil(async () => {
        await send(first);
        await new Promise((r) => setTimeout(r, 500));
        return (await calculate(a.url, tenant, baseRequest)).status === 200;
      }, 20_000);
      // an older version arriving late (recorded in the inbox) does not retire the offer; a newer one does
      const late = event(1, 'RETIRED');
      const db = a.runtime.database.db as any;
      // resent until recorded (same eventId: applied once); a loaded machine may be rebalancing the group
      await waitUntil(async () => {
        await send(late);
        await new Promise((r) => setTimeout(r, 500));
        const rows = await db
          .selectFrom('pricing.inbox')
          .select('event_id')
          .where('event_id', '=', late.eventId)
          // every running instance's group records the event: count this instance's group only
          .where('consumer_group', '=', `pricing-service-offer-status.${a.runtime.config.APP_ENV}`)
          .execute();
        return rows.length === 1;
      }, 30_000);
      const row = await db
        .selectFrom('pricing.offer_status')
        .select(['status', 'catalog_version'])
        .where('tenant_id', '=', tenant)
        .executeTakeFirst();
      expect(row).toEqual({ status: 'ACTIVE', catalog_version: 2 });
      expect((await calculate(a.url, tenant, baseRequest)).status).toBe(200);
      const retired = event(3, 'RETIRED');
      await waitUntil(async () => {
        await send(retired);
        await new Promise((r) => setTimeout(r, 500));
        return (await calculate(a.url, tenant, baseRequest)).status === 422;
      }, 30_000);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);
});
