import { type Admin, type EachMessagePayload, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../support/infra-env';
import { uniqueId } from '../support/unique';

const CONTRACT_TOPICS = [
  'cpq.catalog.published.v1',
  'cpq.pricebook.published.v1',
  'cpq.config.finalized.v1',
  'oms.order.captured.v1',
  'oms.order.status-changed.v1',
];

interface Received {
  partition: number;
  offset: string;
  key: string;
  value: string;
}

describe('kafka (kafkajs against the local broker)', () => {
  const kafka = new Kafka({
    clientId: uniqueId('infra-test'),
    brokers: infraEnv().kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  it('has the five contract topics with 3 partitions each', async () => {
    const topics = await admin.listTopics();
    expect(topics).toEqual(expect.arrayContaining(CONTRACT_TOPICS));
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: CONTRACT_TOPICS });
    for (const topic of metadata) expect(topic.partitions, topic.name).toHaveLength(3);
  });

  it('an idempotent producer delivers; a group commits; a later member resumes after the commit', async () => {
    const topic = uniqueId('it-kafka');
    const groupId = uniqueId('it-group');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
      const send = (keys: string[]) =>
        producer.send({ topic, messages: keys.map((key) => ({ key, value: JSON.stringify({ key }) })) });

      const firstBatch = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `tenant-1:${k}`);
      await send(firstBatch);

      // First member: reads everything from the beginning and commits explicitly.
      const first = await consumeUntil(kafka, groupId, topic, firstBatch.length);
      expect(first.map((m) => m.key).sort()).toEqual([...firstBatch].sort());

      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const endOffsets = await admin.fetchTopicOffsets(topic);
      const committedByPartition = Object.fromEntries(
        committed[0]!.partitions.map((p) => [p.partition, p.offset]),
      );
      for (const p of endOffsets)
        expect(committedByPartition[p.partition], `partition ${p.partition}`).toBe(p.high);
      const total = endOffsets.reduce((sum, p) => sum + Number(p.high), 0);
      expect(total).toBe(firstBatch.length);

      // Second member, same group, started afterwards: gets only what was produced after the commit.
      const secondBatch = ['g', 'h'].map((k) => `tenant-1:${k}`);
      await send(secondBatch);
      const second = await consumeUntil(kafka, groupId, topic, secondBatch.length);
      expect(second.map((m) => m.key).sort()).toEqual([...secondBatch].sort());
    } finally {
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] });
    }
  });
});

/**
 * Joins `groupId`, consumes `count` messages (fromBeginning applies only without committed offsets),
 * waits a little longer to catch anything unexpected, commits what it read and leaves.
 */
async function consumeUntil(
  kafka: Kafka,
  groupId: string,
  topic: string,
  count: number,
): Promise<Received[]> {
  // Short fetch waits: disconnect() waits for the in-flight fetch, which would otherwise idle for 5 s.
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
  });
  const received: Received[] = [];
  const next = new Map<number, string>();
  let reachedCount!: () => void;
  const reached = new Promise<void>((resolve) => (reachedCount = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        received.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
        });
        next.set(partition, (BigInt(message.offset) + 1n).toString());
        if (received.length >= count) reachedCount();
      },
    });
    await withTimeout(reached, 30_000, () => `received ${received.length}/${count} messages from ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything beyond `count` would be a failure
    await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic, partition, offset })));
  } finally {
    await consumer.disconnect();
  }
  return received;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${describe()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
