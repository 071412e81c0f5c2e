import { TOPICS } from '@cpq/contracts';
import { createDatabase, KafkaEventConsumer, silentEventsLogger } from '@cpq/platform';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import { startKafkaProcess, type KafkaProcess } from '../../../test/support/kafka-process';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { uniqueId } from '../../../test/support/unique';
import { capture, newTenant, orderBody, startOrder, waitUntil, type OrderInstance } from './order-fixture';

const OUTAGE_MS = 30_000;

/**
 * The broker (a private one) is stopped for 30 s while 100 orders are captured: every capture succeeds (its event
 * waits in the outbox, committed with the order), every event is published once the broker is back, and a consumer
 * with an inbox handles each exactly once in effect. The service runs on a database of its own, so no other
 * instance's relay drains this outbox to the shared broker meanwhile.
 */
describe('Kafka down for 30 s while 100 orders are captured (private broker, own database)', () => {
  let kafka: KafkaProcess;
  let database: ScratchDatabase;
  let a: OrderInstance;

  beforeAll(async () => {
    [kafka, database] = await Promise.all([
      startKafkaProcess(),
      createScratchDatabase(infraEnv().databaseUrl, ['ordering']),
    ]);
    a = await startOrder({ KAFKA_BROKERS: kafka.brokers.join(','), DATABASE_URL: database.url });
  }, 180_000);

  afterAll(async () => {
    // each step on its own: a service that fails to close must not leave the broker or the database behind
    await Promise.allSettled([a?.close()]);
    await Promise.allSettled([kafka?.destroy(), database?.drop()]);
  }, 90_000);

  it('all 100 captures succeed; all 100 events are published after the broker returns, each handled once', async () => {
    const db = createDatabase<any>({ url: database.url, poolMax: 2 });
    const handled = new Map<string, number>();
    const consumer = new KafkaEventConsumer({
      kafka: { brokers: kafka.brokers, clientId: 'outage-test' },
      groupId: uniqueId('outage-consumer'),
      topics: [TOPICS.orderCaptured],
      // the private broker holds this test's events only; from the start, so none is missed if the group joins late
      fromBeginning: true,
      db: db.db,
      schema: 'ordering',
      logger: silentEventsLogger,
      handle: async () => undefined,
      afterCommit: async (event) => {
        if (event.eventType !== TOPICS.orderCaptured) return;
        handled.set(event.payload.orderId, (handled.get(event.payload.orderId) ?? 0) + 1);
      },
    });
    try {
      await consumer.start();
      const tenant = newTenant();
      await kafka.stop();
      const stoppedAt = Date.now();

      const orderIds: string[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) => capture(a.url, tenant, orderBody(), `o-${batch}-${i}`)),
        );
        for (const answer of answers) {
          expect(answer.status, answer.text).toBe(201);
          orderIds.push(answer.body.orderId);
        }
      }
      const pending = await sql<{ n: string }>`select count(*) as n from ordering.outbox
        where published_at is null and envelope->>'tenantId' = ${tenant}`.execute(db.db);
      expect(Number(pending.rows[0]!.n)).toBe(100);

      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
      await kafka.start();
      const backAt = Date.now();
      await waitUntil(
        async () =>
          Number(
            (
              await sql<{ n: string }>`select count(*) as n from ordering.outbox
                where published_at is not null and envelope->>'tenantId' = ${tenant}`.execute(db.db)
            ).rows[0]!.n,
          ) === 100,
        90_000,
        'all 100 events published',
      );
      const publishedAfter = Date.now() - backAt;
      await waitUntil(async () => handled.size === 100, 60_000, 'all 100 events handled');
      await new Promise((r) => setTimeout(r, 1000)); // room for a redelivery to show
      console.log(
        `broker back: 100 events published within ${publishedAfter} ms, handled within ${Date.now() - backAt - 1000} ms`,
      );
      expect([...handled.keys()].sort()).toEqual([...orderIds].sort());
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await consumer.stop();
      await db.close();
    }
  }, 240_000);
});
