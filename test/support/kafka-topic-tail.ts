import { createKafkaClient, silentEventsLogger } from '@cpq/platform';
import type { Consumer } from 'kafkajs';
import { afterAll } from 'vitest';
import { uniqueId } from './unique';

export interface TopicTail {
  /** The parsed values of the messages produced since `tailTopic` resolved (those `keep` accepted). */
  readonly messages: unknown[];
  stop(): Promise<void>;
}

/**
 * Reads every message produced to `topic` from now on (its current end offsets, fetched first), in a consumer group
 * of its own; closed after the test file. For asserting what was published ("exactly one event").
 */
export async function tailTopic(
  brokers: string[],
  topic: string,
  keep: (value: unknown) => boolean = () => true,
): Promise<TopicTail> {
  const kafka = createKafkaClient({ brokers, clientId: 'test-tail' }, silentEventsLogger);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const consumer: Consumer = kafka.consumer({ groupId: uniqueId('tail'), maxWaitTimeInMs: 100 });
  const messages: unknown[] = [];
  let joined!: () => void;
  const groupJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value: unknown = JSON.parse(message.value?.toString() ?? 'null');
      if (keep(value)) messages.push(value);
    },
  });
  for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
  await groupJoined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await consumer.disconnect();
  };
  afterAll(stop, 30_000);
  return { messages, stop };
}
