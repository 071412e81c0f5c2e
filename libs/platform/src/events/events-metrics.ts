import { Counter, Gauge, type Registry } from 'prom-client';

/** How a relay batch ended. */
export type RelayBatchOutcome = 'published' | 'kafka_error' | 'database_error';
/** What a consumer did with one message. */
export type ConsumedMessageOutcome = 'handled' | 'duplicate' | 'invalid' | 'failed';

/** The metrics port of the events module (the relay and the consumers report through it). */
export interface EventsMetrics {
  relayKafkaUp(schema: string, up: boolean): void;
  relayProbe(schema: string, reachable: boolean): void;
  relayBatch(schema: string, outcome: RelayBatchOutcome, rows: number): void;
  /** `group`: the consumer's group option (the prefix, in broadcast mode). */
  consumerUp(group: string, up: boolean): void;
  consumerMessage(group: string, outcome: ConsumedMessageOutcome): void;
}

export const silentEventsMetrics: EventsMetrics = {
  relayKafkaUp() {},
  relayProbe() {},
  relayBatch() {},
  consumerUp() {},
  consumerMessage() {},
};

/**
 * The events metrics in a Prometheus registry:
 * `outbox_relay_kafka_up{schema}` (1 while the relay's last contact with Kafka succeeded),
 * `outbox_relay_kafka_probes_total{schema,outcome}` (reachability probes while Kafka is away),
 * `outbox_relay_batches_total{schema,outcome}`, `outbox_relay_published_rows_total{schema}`,
 * `event_consumer_up{group}` (1 while the consumer is in its group) and
 * `event_consumer_messages_total{group,outcome}`.
 */
export function prometheusEventsMetrics(registry: Registry): EventsMetrics {
  const registers = [registry];
  const relayUp = new Gauge({
    name: 'outbox_relay_kafka_up',
    help: "1 while the outbox relay's last contact with Kafka succeeded, 0 while it probes for its return",
    labelNames: ['schema'],
    registers,
  });
  const probes = new Counter({
    name: 'outbox_relay_kafka_probes_total',
    help: 'Kafka reachability probes of the outbox relay while Kafka is away, by outcome',
    labelNames: ['schema', 'outcome'],
    registers,
  });
  const batches = new Counter({
    name: 'outbox_relay_batches_total',
    help: 'Outbox relay batches that claimed rows (or failed before claiming), by outcome',
    labelNames: ['schema', 'outcome'],
    registers,
  });
  const published = new Counter({
    name: 'outbox_relay_published_rows_total',
    help: 'Outbox rows acknowledged by Kafka and marked published',
    labelNames: ['schema'],
    registers,
  });
  const consumerUp = new Gauge({
    name: 'event_consumer_up',
    help: '1 while the Kafka event consumer is in its group, 0 while it waits for Kafka to rejoin',
    labelNames: ['group'],
    registers,
  });
  const messages = new Counter({
    name: 'event_consumer_messages_total',
    help: 'Messages seen by the Kafka event consumers, by outcome (handled, duplicate, invalid, failed)',
    labelNames: ['group', 'outcome'],
    registers,
  });
  return {
    relayKafkaUp: (schema, up) => relayUp.set({ schema }, up ? 1 : 0),
    relayProbe: (schema, reachable) =>
      probes.inc({ schema, outcome: reachable ? 'reachable' : 'unreachable' }),
    relayBatch: (schema, outcome, rows) => {
      batches.inc({ schema, outcome });
      if (outcome === 'published') published.inc({ schema }, rows);
    },
    consumerUp: (group, up) => consumerUp.set({ group }, up ? 1 : 0),
    consumerMessage: (group, outcome) => messages.inc({ group, outcome }),
  };
}
