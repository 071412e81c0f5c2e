import { newEnvelope, TOPICS, type ContractEvent, type EventEnvelope } from '@cpq/contracts';
import type { DedupWindow } from '@cpq/redis-runtime';
import { type Producer, Partitioners } from 'kafkajs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToOutbox,
  eventHeaders,
  KafkaEventConsumer,
  OutboxRelay,
  type InboxHandlerContext,
  type InvalidEventMessage,
} from '../../src/events';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { createTestSchema, eventually, TestTopics, testKafka } from './events-fixture';

type Behaviour = (event: ContractEvent, context: InboxHandlerContext) => Promise<void>;

describe('KafkaEventConsumer', () => {
  const kafka = testKafka();
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  let topics: TestTopics;
  let topic: string;
  let producer: Producer;
  let consumer: KafkaEventConsumer;
  const groupId = uniqueId('it-consumer');
  const calls: Array<{ eventId: string; requestId?: string; offset: string }> = [];
  const invalid: InvalidEventMessage[] = [];
  const behaviours = new Map<string, Behaviour>(); // by aggregateId
  let dedupAnswer: boolean | 'unknown' = true;
  const dedup: DedupWindow = { firstSeen: async () => dedupAnswer };

  const callsOf = (event: EventEnvelope) => calls.filter((c) => c.eventId === event.eventId);
  const handledRows = async (event: EventEnvelope) =>
    fixture.database.db
      .withSchema(fixture.schema)
      .selectFrom('handled')
      .selectAll()
      .where('event_id', '=', event.eventId)
      .execute();
  const inboxRows = async (event: EventEnvelope) =>
    fixture.database.db
      .withSchema(fixture.schema)
      .selectFrom('inbox')
      .selectAll()
      .where('event_id', '=', event.eventId)
      .execute();

  function event(aggregateId = uniqueId('agg')) {
    return newEnvelope({
      eventType: TOPICS.orderStatusChanged,
      tenantId: 'acme',
      aggregateId,
      payload: { orderId: aggregateId, from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
    });
  }

  async function produce(
    envelope: EventEnvelope,
    requestId?: string,
    value = JSON.stringify(envelope),
  ): Promise<void> {
    await producer.send({
      topic,
      messages: [
        {
          key: `${envelope.tenantId}:${envelope.aggregateId}`,
          value,
          headers: eventHeaders({ eventId: envelope.eventId, eventType: envelope.eventType, requestId }),
        },
      ],
    });
  }

  /**
   * Until the handler has run `count` times and its transaction has committed: the call is recorded when the
   * handler starts, inside the transaction, so its inbox row becomes visible a little later.
   */
  const waitHandled = async (envelope: EventEnvelope, count = 1) => {
    await eventually(
      () => callsOf(envelope).length >= count,
      20_000,
      () => `${callsOf(envelope).length}/${count} calls for ${envelope.eventId}`,
    );
    await eventually(
      async () => (await inboxRows(envelope)).length === 1,
      10_000,
      () => `inbox row of ${envelope.eventId} committed`,
    );
  };

  /** What `afterCommit` saw: it runs once per handled event, after the inbox row is committed (visible). */
  const afterCommits: { eventId: string; inboxRows: number }[] = [];
  const afterCommitsOf = (envelope: EventEnvelope) =>
    afterCommits.filter((a) => a.eventId === envelope.eventId);

  beforeAll(async () => {
    fixture = await createTestSchema('it_consumer');
    await sql`create table ${sql.id(fixture.schema, 'handled')} (event_id uuid not null, aggregate_id text not null)`.execute(
      fixture.database.db,
    );
    topics = await TestTopics.connect(kafka);
    topic = await topics.create('it-consumer');
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    consumer = new KafkaEventConsumer({
      kafka: { brokers: infraEnv().kafkaBrokers, clientId: uniqueId('it-consumer') },
      groupId,
      topics: [topic],
      fromBeginning: true,
      db: fixture.database.db,
      schema: fixture.schema,
      dedup,
      retry: { initialRetryTime: 100, retries: 10 },
      onInvalidMessage: (message) => invalid.push(message),
      handle: async (envelope, context) => {
        calls.push({ eventId: envelope.eventId, requestId: context.requestId, offset: context.offset });
        await context.trx
          .withSchema(fixture.schema)
          .insertInto('handled')
          .values({ event_id: envelope.eventId, aggregate_id: envelope.aggregateId })
          .execute();
        await behaviours.get(envelope.aggregateId)?.(envelope, context);
      },
      afterCommit: async (envelope) => {
        afterCommits.push({ eventId: envelope.eventId, inboxRows: (await inboxRows(envelope)).length });
      },
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await topics?.deleteGroups([groupId]);
    await topics?.deleteAll();
    await fixture?.drop();
  });

  it('handles an event from the outbox in one transaction with its inbox row, with the request id', async () => {
    const envelope = event();
    await appendToOutbox(fixture.database.db, fixture.schema, envelope, 'req-e2e', { topic });
    const relay = new OutboxRelay({
      db: fixture.database.db,
      schema: fixture.schema,
      kafka: { brokers: infraEnv().kafkaBrokers, clientId: uniqueId('it-relay') },
    });
    try {
      expect(await relay.flushOnce()).toMatchObject({ published: 1 });
    } finally {
      await relay.stop();
    }
    await waitHandled(envelope);
    expect(callsOf(envelope)[0]!.requestId).toBe('req-e2e');
    expect(await handledRows(envelope)).toHaveLength(1);
    expect(await inboxRows(envelope)).toMatchObject([
      { consumer_group: groupId, event_type: envelope.eventType },
    ]);
  });

  it('runs the handler once when the same event is delivered twice (inbox)', async () => {
    const duplicate = event();
    const after = event(duplicate.aggregateId); // same key → same partition, consumed after both copies
    await produce(duplicate);
    await produce(duplicate);
    await produce(after);
    await waitHandled(after);
    expect(callsOf(duplicate)).toHaveLength(1);
    expect(await handledRows(duplicate)).toHaveLength(1);
    expect(await inboxRows(duplicate)).toHaveLength(1);
    // after the commit, once: never for the skipped duplicate
    await eventually(
      () => afterCommitsOf(after).length === 1,
      5_000,
      () => 'afterCommit of the next event',
    );
    expect(afterCommitsOf(duplicate)).toEqual([{ eventId: duplicate.eventId, inboxRows: 1 }]);
  });

  it('rolls back a failing handler (no inbox row, no state) and retries the message', async () => {
    const failing = event();
    let inboxDuringFailure: unknown[] | undefined;
    behaviours.set(failing.aggregateId, async () => {
      if (callsOf(failing).length === 1) {
        inboxDuringFailure = await inboxRows(failing); // outside the transaction: not visible yet
        throw new Error('handler failed once');
      }
    });
    await produce(failing);
    await waitHandled(failing, 2);
    await eventually(
      async () => (await inboxRows(failing)).length === 1,
      10_000,
      () => 'inbox row after the retry',
    );
    expect(inboxDuringFailure).toEqual([]);
    expect(callsOf(failing)).toHaveLength(2);
    expect(callsOf(failing)[0]!.offset).toBe(callsOf(failing)[1]!.offset);
    expect(await handledRows(failing)).toHaveLength(1); // the first attempt's insert was rolled back
  });

  it('skips invalid messages without crashing and goes on with the next one', async () => {
    const valid = event();
    const broken = event(valid.aggregateId);
    const invalidBefore = invalid.length;
    await produce(broken, undefined, 'not json {');
    await produce(
      broken,
      undefined,
      JSON.stringify({ ...broken, payload: { ...broken.payload, to: 'SHIPPED' } }),
    );
    await produce(broken, undefined, JSON.stringify({ ...broken, eventId: 'not-a-uuid' }));
    await produce(valid);
    await waitHandled(valid);
    const skipped = invalid.slice(invalidBefore);
    expect(skipped.map((m) => m.reason)).toEqual([
      'value is not JSON',
      expect.stringMatching(/payload\.to/),
      expect.stringMatching(/eventId/),
    ]);
    expect(skipped[0]!.eventId).toBe(broken.eventId); // from the header
    expect(skipped.every((m) => m.topic === topic)).toBe(true);
    expect(callsOf(broken)).toHaveLength(0);
    expect(await inboxRows(broken)).toHaveLength(0);
  });

  it('a dedup window that says "seen" never drops a new event: the inbox decides', async () => {
    dedupAnswer = false;
    try {
      const fresh = event();
      await produce(fresh);
      await waitHandled(fresh);
      const repeated = event(fresh.aggregateId);
      await produce(repeated);
      await produce(repeated);
      const after = event(fresh.aggregateId);
      await produce(after);
      await waitHandled(after);
      expect(callsOf(fresh)).toHaveLength(1);
      expect(callsOf(repeated)).toHaveLength(1);
    } finally {
      dedupAnswer = true;
    }
  });

  it("an 'unknown' dedup answer (Redis down) still handles the event", async () => {
    dedupAnswer = 'unknown';
    try {
      const envelope = event();
      await produce(envelope);
      await waitHandled(envelope);
      expect(await inboxRows(envelope)).toHaveLength(1);
    } finally {
      dedupAnswer = true;
    }
  });

  it('broadcast consumers on two instances both receive every event, with their own groups', async () => {
    const broadcastTopic = await topics.create('it-broadcast');
    const received: Record<string, string[]> = { a: [], b: [] };
    const make = (instanceId: 'a' | 'b') =>
      new KafkaEventConsumer({
        mode: 'broadcast',
        instanceId,
        kafka: { brokers: infraEnv().kafkaBrokers, clientId: uniqueId('it-broadcast') },
        groupId: uniqueId('it-broadcast'),
        topics: [broadcastTopic],
        fromBeginning: true,
        handle: async (envelope) => void received[instanceId]!.push(envelope.eventId),
      });
    const instances = [make('a'), make('b')];
    try {
      await Promise.all(instances.map((i) => i.start()));
      expect(instances[0]!.groupId).toMatch(/-a$/);
      const envelopes = [event(), event(), event()];
      await producer.send({
        topic: broadcastTopic,
        messages: envelopes.map((e) => ({ key: `${e.tenantId}:${e.aggregateId}`, value: JSON.stringify(e) })),
      });
      const ids = envelopes.map((e) => e.eventId).sort();
      await eventually(
        () => received.a!.length >= 3 && received.b!.length >= 3,
        20_000,
        () => JSON.stringify(received),
      );
      expect([...received.a!].sort()).toEqual(ids);
      expect([...received.b!].sort()).toEqual(ids);
    } finally {
      await Promise.all(instances.map((i) => i.stop()));
      await topics.deleteGroups(instances.map((i) => i.groupId));
    }
  });

  // Last: stops the shared consumer.
  it('stop() waits for the handler in progress and commits its transaction', async () => {
    const slow = event();
    let release!: () => void;
    const started = new Promise<void>((resolve) =>
      behaviours.set(slow.aggregateId, async () => {
        resolve();
        await new Promise<void>((r) => (release = r));
      }),
    );
    await produce(slow);
    await started;
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await inboxRows(slow)).toHaveLength(1);
    expect(await handledRows(slow)).toHaveLength(1);
  });
});
