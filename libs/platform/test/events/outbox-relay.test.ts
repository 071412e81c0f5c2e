import { newEnvelope, TOPICS, type EventEnvelope } from '@cpq/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToOutbox, OutboxRelay, type OutboxRelayOptions } from '../../src/events';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import {
  createTestSchema,
  eventually,
  MessageCollector,
  outboxRows,
  TestTopics,
  testKafka,
} from './events-fixture';

describe('OutboxRelay', () => {
  const kafka = testKafka();
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  let topics: TestTopics;
  let topic: string;
  let collector: MessageCollector;
  const relays: OutboxRelay[] = [];

  function relay(options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    const created = new OutboxRelay({
      db: fixture.database.db,
      schema: fixture.schema,
      kafka: { brokers: infraEnv().kafkaBrokers, clientId: uniqueId('it-relay') },
      pollIntervalMs: 100,
      ...options,
    });
    relays.push(created);
    return created;
  }

  async function append(
    count: number,
    requestId?: string,
    aggregateId = uniqueId('agg'),
  ): Promise<EventEnvelope[]> {
    const events = Array.from({ length: count }, (_, i) =>
      newEnvelope({
        eventType: TOPICS.orderStatusChanged,
        tenantId: 'acme',
        aggregateId,
        payload: { orderId: aggregateId, from: 'CAPTURED', to: 'SUBMITTED', version: i + 1 },
      }),
    );
    await fixture.database.db.transaction().execute(async (trx) => {
      for (const event of events) await appendToOutbox(trx, fixture.schema, event, requestId, { topic });
    });
    return events;
  }

  async function pendingOf(events: EventEnvelope[]) {
    const ids = new Set(events.map((e) => e.eventId));
    return (await outboxRows(fixture.database.db, fixture.schema)).filter((r) => ids.has(r.event_id));
  }

  beforeAll(async () => {
    fixture = await createTestSchema('it_relay');
    topics = await TestTopics.connect(kafka);
    topic = await topics.create('it-relay');
    collector = await MessageCollector.start(kafka, [topic]);
  });

  afterAll(async () => {
    for (const r of relays) await r.stop();
    await collector?.stop();
    await topics?.deleteGroups([collector.groupId]);
    await topics?.deleteAll();
    await fixture?.drop();
  });

  it('publishes pending rows keyed by message_key with eventId, eventType and requestId headers, then marks them', async () => {
    const events = await append(3, 'req-abc');
    const result = await relay().flushOnce();
    expect(result).toEqual({ claimed: 3, published: 3 });
    const messages = await collector.waitFor(events.map((e) => e.eventId));
    expect(messages).toHaveLength(3);
    for (const event of events) {
      const message = messages.find((m) => m.headers.eventId === event.eventId)!;
      expect(message.key).toBe(`acme:${event.aggregateId}`);
      expect(message.headers).toEqual({
        eventId: event.eventId,
        eventType: event.eventType,
        requestId: 'req-abc',
      });
      expect(JSON.parse(message.value)).toEqual(event);
    }
    // one key → one partition, in outbox order
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
    expect(messages.map((m) => m.headers.eventId)).toEqual(events.map((e) => e.eventId));
    for (const row of await pendingOf(events)) {
      expect(row.published_at).toBeInstanceOf(Date);
      expect(row.attempts).toBe(0);
    }
    expect(await relay().flushOnce()).toEqual({ claimed: 0, published: 0 });
  });

  it('leaves out the requestId header when the row has none', async () => {
    const events = await append(1);
    await relay().flushOnce();
    const [message] = await collector.waitFor(events.map((e) => e.eventId));
    expect(message!.headers).toEqual({
      eventId: events[0]!.eventId,
      eventType: events[0]!.eventType,
      requestId: undefined,
    });
  });

  it('two relays draining one outbox concurrently publish every row exactly once (skip locked)', async () => {
    const events = (await Promise.all(Array.from({ length: 8 }, () => append(15)))).flat();
    const a = relay({ batchSize: 10 });
    const b = relay({ batchSize: 10 });
    const published = { a: 0, b: 0 };
    for (;;) {
      const [ra, rb] = await Promise.all([a.flushOnce(), b.flushOnce()]);
      expect(ra.error ?? rb.error).toBeUndefined();
      published.a += ra.published;
      published.b += rb.published;
      if (ra.claimed === 0 && rb.claimed === 0) break;
    }
    expect(published.a + published.b).toBe(events.length);
    const messages = await collector.waitFor(events.map((e) => e.eventId));
    expect(messages).toHaveLength(events.length);
    expect(new Set(messages.map((m) => m.headers.eventId)).size).toBe(events.length);
    expect((await pendingOf(events)).filter((r) => r.published_at === null)).toEqual([]);
  });

  it('running relays publish soon after notify(), well before the next poll', async () => {
    const running = relay({ pollIntervalMs: 10_000 });
    await running.start();
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the first (empty) poll pass
    const events = await append(2, 'req-notify');
    const started = Date.now();
    running.notify();
    await collector.waitFor(
      events.map((e) => e.eventId),
      2,
      5000,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    await running.stop();
  });

  it('keeps rows with attempts counted while Kafka is unreachable, then a relay that reaches Kafka publishes them', async () => {
    const events = await append(4, 'req-down');
    const unreachable = relay({
      kafka: {
        brokers: ['127.0.0.1:1'],
        clientId: uniqueId('it-relay-down'),
        connectionTimeoutMs: 200,
        retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      },
    });
    const first = await unreachable.flushOnce();
    expect(first).toMatchObject({ claimed: 4, published: 0 });
    expect(first.error).toBeDefined();
    await unreachable.flushOnce();
    for (const row of await pendingOf(events)) {
      expect(row.published_at).toBeNull();
      expect(row.attempts).toBe(2);
      expect(row.last_error).toMatch(/\S/);
    }

    // The loop backs off instead of spinning, and stop() does not wait for the backoff.
    const looping = relay({
      kafka: {
        brokers: ['127.0.0.1:1'],
        clientId: uniqueId('it-relay-down'),
        connectionTimeoutMs: 100,
        retry: { retries: 1, initialRetryTime: 20, maxRetryTime: 50 },
      },
      backoff: { initialMs: 400, maxMs: 5000 },
    });
    await looping.start();
    await eventually(
      async () => (await pendingOf(events))[0]!.attempts >= 3,
      10_000,
      () => 'a failed batch in the loop',
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const attempts = (await pendingOf(events))[0]!.attempts;
    expect(attempts).toBeLessThanOrEqual(6); // without backoff, hundreds
    const stopping = Date.now();
    await looping.stop();
    expect(Date.now() - stopping).toBeLessThan(1500);

    expect(await relay().flushOnce()).toMatchObject({ published: 4 });
    const messages = await collector.waitFor(events.map((e) => e.eventId));
    expect(messages).toHaveLength(4);
    for (const row of await pendingOf(events)) expect(row.published_at).toBeInstanceOf(Date);
  });
});
