// A plain Kafka consumer (kafkajs, a group of its own, none of the platform's consumer code): what any other
// system subscribing to the platform's topics sees.
import { randomBytes } from 'node:crypto';
import { type Consumer, Kafka, logLevel } from 'kafkajs';

export interface SeenMessage {
  topic: string;
  key: string;
  value: any;
}

export interface PlainConsumer {
  /** Messages produced since `startPlainConsumer` resolved whose key starts with one of the prefixes. */
  readonly messages: SeenMessage[];
  /** Resolves with the first message that matches, or rejects after `timeoutMs`. */
  waitFor(match: (message: SeenMessage) => boolean, timeoutMs?: number): Promise<SeenMessage>;
  stop(): Promise<void>;
}

export async function startPlainConsumer(
  brokers: string[],
  topics: string[],
  keyPrefixes: string[],
): Promise<PlainConsumer> {
  const kafka = new Kafka({ brokers, clientId: 'e2e-plain-consumer', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await Promise.all(
    topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
  );
  await admin.disconnect();
  const consumer: Consumer = kafka.consumer({
    groupId: `e2e-plain-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  const messages: SeenMessage[] = [];
  let joined!: () => void;
  const groupJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key?.toString() ?? '';
      if (!keyPrefixes.some((prefix) => key.startsWith(prefix))) return;
      messages.push({ topic, key, value: JSON.parse(message.value?.toString() ?? 'null') });
    },
  });
  for (const { topic, offsets } of ends)
    for (const { partition, offset } of offsets) consumer.seek({ topic, partition, offset });
  await groupJoined;
  let stopped = false;
  return {
    messages,
    async waitFor(match, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching message on ${topics.join(', ')} in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
    },
  };
}
