import { Kafka, logLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import type { EventsLogger } from './events-logger';
import { fixKafkajsIdleQueue } from './kafkajs-idle-queue-fix';

fixKafkajsIdleQueue();

/** Where and how to reach Kafka. */
export interface KafkaConnectionOptions {
  /** `host:port` seeds. */
  brokers: string[];
  clientId: string;
  /** @default 3000 */
  connectionTimeoutMs?: number;
  /** @default 10000 */
  requestTimeoutMs?: number;
  /**
   * kafkajs' own retries of one request. Kept short: the relay and the consumer retry whole batches
   * themselves, with their own backoff. @default { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 }
   */
  retry?: RetryOptions;
}

/** A kafkajs client whose log lines go to `logger` (kafkajs ERROR → error, WARN → warn, INFO → debug). */
export function createKafkaClient(options: KafkaConnectionOptions, logger: EventsLogger): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    retry: options.retry ?? { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...fields } = log;
        const line = { kafkajs: namespace, ...fields };
        if (level === logLevel.ERROR) logger.error(line, message);
        else if (level === logLevel.WARN) logger.warn(line, message);
        else logger.debug(line, message);
      },
  });
}
