import { Kafka, logLevel } from 'kafkajs';
import { infraEnv } from '../../../test/support/infra-env';
import { uniqueId } from '../../../test/support/unique';

export interface TailedMessage {
  key: string;
  value: any;
}

/**
 * Reads a topic from its current end (recorded before anything of the test is produced), under a group of its
 * own, until `stop()`: what the test's producers send after `tail()` resolves.
 */
export async function tailTopic(
  topic: string,
): Promise<{ messages: TailedMessage[]; stop(): Promise<void> }> {
  const kafka = new Kafka({
    clientId: 'config-test-tail',
    brokers: infraEnv().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const consumer = kafka.consumer({
    groupId: uniqueId('config-test-tail'),
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
  });
  const messages: TailedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      messages.push({
        key: message.key?.toString() ?? '',
        value: JSON.parse(message.value?.toString() ?? 'null'),
      });
    },
  });
  for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
  return { messages, stop: () => consumer.disconnect() };
}
