import { createServer, connect, type Server, type Socket } from 'node:net';
import { newEnvelope, TOPICS, type ContractEvent } from '@cpq/contracts';
import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHeaders, KafkaEventConsumer } from '../../src/events';
import { freePort } from '../../../../test/support/bench-processes';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { eventually, TestTopics, testKafka } from './events-fixture';

/** A TCP forwarder to the real broker, listening only once `open()` is called: "Kafka is back". */
class BrokerDoor {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly broker: { host: string; port: number },
  ) {}

  open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.broker.port, this.broker.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

describe('KafkaEventConsumer started while Kafka is unreachable', () => {
  const kafka = testKafka();
  let topics: TestTopics;
  let topic: string;
  let producer: Producer;
  let door: BrokerDoor;
  let consumer: KafkaEventConsumer | undefined;

  beforeAll(async () => {
    topics = await TestTopics.connect(kafka);
    topic = await topics.create('it-late-kafka');
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const [host, port] = infraEnv().kafkaBrokers[0]!.split(':');
    door = new BrokerDoor(await freePort(), { host: host!, port: Number(port) });
  });

  afterAll(async () => {
    await consumer?.stop();
    await door.close();
    await producer.disconnect();
    await topics.deleteAll();
  }, 30_000);

  it('start() resolves without Kafka, and the consumer runs once a broker answers', async () => {
    const received: ContractEvent[] = [];
    const warnings: string[] = [];
    consumer = new KafkaEventConsumer({
      mode: 'broadcast',
      // the seed is the closed door; once open, metadata sends the client to the broker itself
      kafka: { brokers: [`127.0.0.1:${door.port}`], clientId: uniqueId('it-late') },
      groupId: uniqueId('it-late-group'),
      topics: [topic],
      fromBeginning: true,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (_fields, message) => void warnings.push(message),
        error: () => undefined,
      },
      handle: async (event) => void received.push(event),
    });
    await consumer.start(); // must not throw (before: KafkaJSNonRetriableError after a minute of retries)
    expect(warnings).toContain(
      'event consumer: Kafka unreachable; consuming once it is back (retrying in the background)',
    );

    const event = newEnvelope({
      eventType: TOPICS.orderStatusChanged,
      tenantId: 'acme',
      aggregateId: uniqueId('agg'),
      payload: { orderId: 'o-1', from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
    });
    await producer.send({
      topic,
      messages: [
        {
          key: `acme:${event.aggregateId}`,
          value: JSON.stringify(event),
          headers: eventHeaders({ eventId: event.eventId, eventType: event.eventType, requestId: undefined }),
        },
      ],
    });
    await door.open();
    await eventually(
      () => received.some((e) => e.eventId === event.eventId),
      45_000,
      () => `received ${received.length}`,
    );
  }, 60_000);
});
