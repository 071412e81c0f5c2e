import type { Kafka } from 'kafkajs';
import { errorMessage, type EventsLogger } from './events-logger';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';

/** What one probe found: a broker answered, or why none did. */
export type KafkaProbeResult = { reachable: true } | { reachable: false; error: string };

/**
 * "Is a broker answering?" as one cheap question: a connection to a seed broker, its API versions and one metadata
 * request, no retries, a short connection timeout. What the relay and the consumers ask while Kafka is away, instead
 * of a whole send or a group join (each of which retries several times and, for the relay, runs a database
 * transaction).
 */
export class KafkaProbe {
  private readonly kafka: Kafka;

  constructor(options: KafkaConnectionOptions, logger: EventsLogger, connectionTimeoutMs = 1_000) {
    this.kafka = createKafkaClient(
      {
        ...options,
        connectionTimeoutMs: Math.min(
          options.connectionTimeoutMs ?? connectionTimeoutMs,
          connectionTimeoutMs,
        ),
        requestTimeoutMs: Math.min(options.requestTimeoutMs ?? 2_000, 2_000),
        retry: { retries: 0 },
      },
      logger,
    );
  }

  async probe(): Promise<KafkaProbeResult> {
    const admin = this.kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: errorMessage(error) };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
