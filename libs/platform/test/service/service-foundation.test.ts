import { newEnvelope, TOPICS, type EventEnvelope } from '@cpq/contracts';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToOutbox } from '../../src/events';
import { createJobFencesTable } from '../../src/jobs';
import { ServiceFoundation } from '../../src/service';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { createTestSchema, eventually, TestTopics, testKafka } from '../events/events-fixture';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

function redisEnv(): NodeJS.ProcessEnv {
  const env = infraEnv();
  return {
    REDIS_CACHE_URL: env.redisCacheUrl,
    REDIS_RATE_URL: env.redisRateUrl,
    REDIS_SESSION_URL: env.redisSessionUrl,
  };
}

describe('ServiceFoundation', () => {
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  let topics: TestTopics;
  const appEnv = uniqueId('fnd').replace(/-/g, '').slice(0, 24);

  beforeAll(async () => {
    fixture = await createTestSchema('it_foundation');
    topics = await TestTopics.connect(testKafka());
  });
  afterAll(async () => {
    await topics.deleteAll();
    await fixture.drop();
  });

  function open(events: boolean, service = 'test-service') {
    return ServiceFoundation.open({
      service,
      schema: fixture.schema,
      config: {
        APP_ENV: appEnv,
        DATABASE_URL: infraEnv().databaseUrl,
        KAFKA_BROKERS: infraEnv().kafkaBrokers,
      },
      registry: new Registry(),
      logger: silent,
      env: redisEnv(),
      events,
    });
  }

  it('relays its outbox and runs its consumers, each in the group <service>-<name>.<APP_ENV> with its inbox', async () => {
    const topic = await topics.create('it-foundation');
    const foundation = await open(true);
    const seen: EventEnvelope[] = [];
    foundation.consumer('projection', {
      topics: [topic],
      fromBeginning: true,
      handle: async (event) => {
        seen.push(event);
      },
    });
    const event = newEnvelope({
      eventType: TOPICS.orderStatusChanged,
      tenantId: 'acme',
      aggregateId: 'order-1',
      payload: { orderId: 'order-1', from: 'CAPTURED', to: 'SUBMITTED', version: 1 },
    });
    try {
      await foundation.startEvents();
      await appendToOutbox(foundation.database.db, fixture.schema, event, 'req-1', { topic });
      foundation.relay.notify();
      await eventually(
        () => seen.length > 0,
        20_000,
        () => 'the consumer never saw the event',
      );
      expect(seen.map((e) => e.eventId)).toEqual([event.eventId]);
      // The handler runs inside the inbox transaction: its row is visible once that commits, a moment later.
      const inboxRows = async () =>
        (
          await sql<{ consumer_group: string; event_id: string }>`
            select consumer_group, event_id from ${sql.id(fixture.schema)}.inbox`.execute(fixture.database.db)
        ).rows;
      await eventually(
        async () => (await inboxRows()).length > 0,
        5_000,
        () => 'the inbox row never committed',
      );
      expect(await inboxRows()).toEqual([
        { consumer_group: `test-service-projection.${appEnv}`, event_id: event.eventId },
      ]);
    } finally {
      await foundation.close();
      await topics.deleteGroups([`test-service-projection.${appEnv}`]);
    }
  });

  it('closes in order: onClose, consumers and relay, owned parts (Redis still open, one failing), then Redis and PostgreSQL', async () => {
    const foundation = await open(false);
    const order: string[] = [];
    foundation.onClose(async () => {
      order.push('app');
    });
    foundation.own(async () => {
      // An owned part's last act (a tracker's final flush) still reaches Redis and PostgreSQL.
      await foundation.redis.connection('cache').client.ping();
      await sql`select 1`.execute(foundation.database.db);
      order.push('tracker');
    });
    foundation.own(async () => {
      order.push('failing part');
      throw new Error('cannot close');
    });
    foundation.own(async () => {
      order.push('bus');
    });
    await foundation.startEvents(); // events off: nothing starts
    await foundation.close();
    expect(order).toEqual(['app', 'tracker', 'failing part', 'bus']);
    await expect(foundation.redis.connection('cache').client.ping()).rejects.toThrow();
    await expect(sql`select 1`.execute(foundation.database.db)).rejects.toThrow();
  });

  it("runs a job scheduled with the events only once they start, on the service's job runner, and stops it on close", async () => {
    await createJobFencesTable(fixture.database.db, fixture.schema);
    // a lease family the platform declares (order-service's), for the service it belongs to
    const foundation = await open(true, 'order-service');
    let runs = 0;
    foundation.scheduleWithEvents(
      foundation.jobRunner('order-job-lease'),
      'it-foundation-job',
      { intervalMs: 50, ttlMs: 5_000 },
      async () => ++runs,
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runs).toBe(0); // not before the events start
      await foundation.startEvents();
      await eventually(
        () => runs >= 2,
        10_000,
        () => `the job ran ${runs} time(s)`,
      );
    } finally {
      await foundation.close();
    }
    const afterClose = runs;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toBe(afterClose);
  });
});
