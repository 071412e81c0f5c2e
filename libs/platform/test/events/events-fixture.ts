import { type Admin, type EachMessagePayload, type Consumer, Kafka, logLevel } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { createDatabase, type Database } from '../../src/database';
import { createOutboxInboxTables, readEventHeaders, type EventHeaders } from '../../src/events';
import { fixKafkajsIdleQueue } from '../../src/events/kafkajs-idle-queue-fix';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';

// Helpers own uniqueness and cleanup: every schema, topic and group is unique and removed by `close()`.

/** A database with a fresh schema holding the outbox and inbox tables, dropped on `drop()`. */
export async function createTestSchema(prefix: string): Promise<{
  database: Database<any>;
  schema: string;
  drop(): Promise<void>;
}> {
  const schema = uniqueId(prefix).replace(/-/g, '_');

  const database = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 5 });
  await sql`create schema ${sql.id(schema)}`.execute(database.db);
  await createOutboxInboxTables(database.db, schema);
  return {
    database,
    schema,
    drop: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    },
  };
}

export function testKafka(): Kafka {
  fixKafkajsIdleQueue(); // as the platform's own clients do (kafka-client.ts)
  return new Kafka({
    clientId: uniqueId('it-events'),
    brokers: infraEnv().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

/** Unique topics (3 partitions each), deleted on `deleteAll()`. */
export class TestTopics {
  private readonly created: string[] = [];
  private constructor(private readonly admin: Admin) {}

  static async connect(kafka: Kafka): Promise<TestTopics> {
    const admin = kafka.admin();
    await admin.connect();
    return new TestTopics(admin);
  }

  async create(prefix: string): Promise<string> {
    const topic = uniqueId(prefix);
    await this.admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    this.created.push(topic);
    return topic;
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    await this.admin.deleteGroups(groupIds).catch(() => undefined);
  }

  async deleteAll(): Promise<void> {
    if (this.created.length > 0)
      await this.admin.deleteTopics({ topics: this.created }).catch(() => undefined);
    await this.admin.disconnect();
  }
}

export interface CollectedMessage {
  topic: string;
  partition: number;
  key: string;
  value: string;
  headers: EventHeaders;
}

/** Reads every message of some topics from the beginning with its own group, for assertions. */
export class MessageCollector {
  readonly messages: CollectedMessage[] = [];
  private constructor(
    private readonly consumer: Consumer,
    readonly groupId: string,
  ) {}

  static async start(kafka: Kafka, topics: string[]): Promise<MessageCollector> {
    const groupId = uniqueId('it-collector');
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
    });
    const collector = new MessageCollector(consumer, groupId);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
        collector.messages.push({
          topic,
          partition,
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers: readEventHeaders(message.headers),
        });
      },
    });
    return collector;
  }

  /** The messages carrying one of `eventIds` (header `eventId`). */
  withEventIds(eventIds: readonly string[]): CollectedMessage[] {
    const wanted = new Set(eventIds);
    return this.messages.filter((m) => m.headers.eventId !== undefined && wanted.has(m.headers.eventId));
  }

  /** Waits until `count` messages with these event ids arrived, then a little longer to catch extras. */
  async waitFor(
    eventIds: readonly string[],
    count = eventIds.length,
    timeoutMs = 20_000,
  ): Promise<CollectedMessage[]> {
    await eventually(
      () => this.withEventIds(eventIds).length >= count,
      timeoutMs,
      () => `${this.withEventIds(eventIds).length}/${count} messages`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    return this.withEventIds(eventIds);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Polls `condition` every 25 ms until it holds or `timeoutMs` passes (then throws with `describe()`). */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Outbox rows of a schema, for assertions. */

export async function outboxRows(db: Kysely<any>, schema: string) {
  return db
    .withSchema(schema)
    .selectFrom('outbox')
    .select([
      'event_id',
      'topic',
      'message_key',
      'event_type',
      'request_id',
      'published_at',
      'attempts',
      'last_error',
    ])
    .orderBy('created_at')
    .orderBy('event_id')
    .execute() as Promise<
    Array<{
      event_id: string;
      topic: string;
      message_key: string;
      event_type: string;
      request_id: string | null;
      published_at: Date | null;
      attempts: number;
      last_error: string | null;
    }>
  >;
}
