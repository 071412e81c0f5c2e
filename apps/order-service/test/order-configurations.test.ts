import { newEnvelope, TOPICS, type EventEnvelope } from '@cpq/contracts';
import { createKafkaClient, silentEventsLogger } from '@cpq/platform';
import type { Producer } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import { capture, newTenant, orderBody, startOrder, waitUntil, type OrderInstance } from './order-fixture';
import { expectProblem } from './order-problems';

const selection = [
  { offerId: 'fiber-1g', quantity: 1, attributes: { speedMbps: 1000 } },
  { offerId: 'router', quantity: 2 },
];
const matchingLines = [
  { offerId: 'router', quantity: 2, unitAmountMinor: 500, termMonths: 24 },
  { offerId: 'fiber-1g', quantity: 1, unitAmountMinor: 4_990, termMonths: 24 },
];

/** Captures with a configurationId: checked against order-service's projection of cpq.config.finalized.v1. */
describe('capture with a configuration (projection fed by real Kafka)', () => {
  let a: OrderInstance;
  let db: Kysely<any>;
  let producer: Producer;

  beforeAll(async () => {
    a = await startOrder();
    db = a.runtime.database.db as unknown as Kysely<any>;
    producer = createKafkaClient(
      { brokers: infraEnv().kafkaBrokers, clientId: 'order-config-test' },
      silentEventsLogger,
    ).producer();
    await producer.connect();
  });

  afterAll(() => producer?.disconnect());

  const finalized = (tenant: string, configurationId: string, selectedOptions = selection) =>
    newEnvelope({
      topic: TOPICS.configFinalized,
      tenantId: tenant,
      aggregateId: configurationId,
      payload: {
        configurationId,
        sessionId: uuidv7(),
        ownerSub: 'user-1',
        catalogVersion: 3,
        selectedOptions,
      },
    });

  const send = (event: EventEnvelope) =>
    producer.send({
      topic: TOPICS.configFinalized,
      messages: [{ key: `${event.tenantId}:${event.aggregateId}`, value: JSON.stringify(event) }],
    });

  /** Sends the event until the projection holds the configuration (a new group may join after the first send). */
  async function project(event: EventEnvelope<any>): Promise<void> {
    await waitUntil(
      async () => {
        await send(event);
        await new Promise((r) => setTimeout(r, 300));
        const rows = await sql`select 1 from ordering.configurations
          where tenant_id = ${event.tenantId} and configuration_id = ${event.payload.configurationId}`.execute(
          db,
        );
        return rows.rows.length === 1;
      },
      30_000,
      'the configuration in the projection',
    );
  }

  const orderCount = async (tenant: string) =>
    Number(
      (
        await sql<{
          n: string;
        }>`select count(*) as n from ordering.orders where tenant_id = ${tenant}`.execute(db)
      ).rows[0]!.n,
    );

  it('422 for a configuration order-service has not seen finalized; the same key succeeds once the event arrived', async () => {
    const tenant = newTenant();
    const configurationId = uuidv7();
    const body = orderBody({ configurationId, lines: matchingLines });
    const early = await capture(a.url, tenant, body, 'cfg-key');
    expectProblem(early, 422);
    expect(early.body.code).toBe('ORDER_CONFIGURATION_NOT_FINALIZED');
    expect(await orderCount(tenant)).toBe(0);

    await project(finalized(tenant, configurationId));
    const captured = await capture(a.url, tenant, body, 'cfg-key');
    expect(captured.status, captured.text).toBe(201);
    expect(captured.body.configurationId).toBe(configurationId);
    expect(captured.headers.get('idempotent-replayed')).toBeNull();
    const event = await sql<{ envelope: any }>`select envelope from ordering.outbox
      where envelope->>'tenantId' = ${tenant}`.execute(db);
    expect(event.rows[0]!.envelope.payload.configurationId).toBe(configurationId);
    expect(await orderCount(tenant)).toBe(1);
  }, 60_000);

  it('422 ORDER_CONFIGURATION_MISMATCH when the lines differ from the selected options', async () => {
    const tenant = newTenant();
    const configurationId = uuidv7();
    await project(finalized(tenant, configurationId));
    const variants = [
      [matchingLines[0]], // one missing
      [...matchingLines, { offerId: 'tv', quantity: 1, unitAmountMinor: 1, termMonths: 24 }], // one extra
      [{ ...matchingLines[0], quantity: 3 }, matchingLines[1]], // another quantity
      [matchingLines[0], { ...matchingLines[1], offerId: 'fiber-2g' }], // another offer
    ];
    for (const [i, variant] of variants.entries()) {
      const response = await capture(
        a.url,
        tenant,
        orderBody({ configurationId, lines: variant }),
        `mm-${i}`,
      );
      expectProblem(response, 422, `variant ${i}`);
      expect(response.body.code).toBe('ORDER_CONFIGURATION_MISMATCH');
    }
    expect(await orderCount(tenant)).toBe(0);
    // the lines in another order and with their own prices and terms do match
    const reordered = [...matchingLines].reverse().map((l) => ({ ...l, termMonths: 36 }));
    expect(
      (await capture(a.url, tenant, orderBody({ configurationId, lines: reordered }), 'ok')).status,
    ).toBe(201);
  }, 60_000);

  it("another tenant's finalized configuration is unknown here: 422", async () => {
    const [owner, other] = [newTenant(), newTenant()];
    const configurationId = uuidv7();
    await project(finalized(owner, configurationId));
    const response = await capture(
      a.url,
      other,
      orderBody({ configurationId, lines: matchingLines }),
      'x-tenant',
    );
    expectProblem(response, 422);
    expect(response.body.code).toBe('ORDER_CONFIGURATION_NOT_FINALIZED');
  }, 60_000);

  it('a redelivered event is applied once (inbox), and a later event cannot change a finalized configuration', async () => {
    const tenant = newTenant();
    const configurationId = uuidv7();
    const event = finalized(tenant, configurationId);
    await project(event);
    await send(event); // the same eventId again
    const rewrite = finalized(tenant, configurationId, [{ offerId: 'other', quantity: 9 }]);
    await send(rewrite);
    const group = `order-service-configurations.${a.runtime.config.APP_ENV}`;
    await waitUntil(
      async () =>
        (
          await sql`select 1 from ordering.inbox where consumer_group = ${group}
            and event_id = ${rewrite.eventId}`.execute(db)
        ).rows.length === 1,
      30_000,
      'the second event in the inbox',
    );
    const inbox = await sql<{ n: string }>`select count(*) as n from ordering.inbox
      where consumer_group = ${group} and event_id = ${event.eventId}`.execute(db);
    expect(Number(inbox.rows[0]!.n)).toBe(1);
    const stored = await sql<{ selected_options: unknown; event_id: string }>`
      select selected_options, event_id from ordering.configurations
      where tenant_id = ${tenant} and configuration_id = ${configurationId}`.execute(db);
    expect(stored.rows).toEqual([{ selected_options: selection, event_id: event.eventId }]);
  }, 60_000);
});
