export {
  appendToOutbox,
  type AppendToOutboxOptions,
  type InboxTable,
  type OutboxInboxTables,
  type OutboxTable,
} from './outbox';
export { createOutboxInboxTables, outboxInboxDdl } from './outbox-inbox-ddl';
export {
  EVENT_RETENTION_JOB,
  purgeEventTables,
  type EventRetentionOptions,
  type EventRetentionResult,
} from './event-retention';
export { isInInbox, recordInInbox } from './inbox';
export { OutboxRelay, type OutboxRelayOptions, type RelayBatchResult } from './outbox-relay';
export { backoffDelay, DEPENDENCY_RETRY_BACKOFF, type BackoffOptions } from './backoff';
export {
  prometheusEventsMetrics,
  silentEventsMetrics,
  type ConsumedMessageOutcome,
  type EventsMetrics,
  type RelayBatchOutcome,
} from './events-metrics';
export { KafkaProbe, type KafkaProbeResult } from './kafka-probe';
export { eventHeaders, readEventHeaders, type EventHeaders } from './event-headers';
export { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';
export { kafkaHealthIndicator, type KafkaHealthIndicator } from './kafka-health';
export { silentEventsLogger, type EventsLogger } from './events-logger';
export {
  KafkaEventConsumer,
  type BroadcastConsumerOptions,
  type EventMessageContext,
  type InboxConsumerOptions,
  type InboxHandlerContext,
  type InvalidEventMessage,
  type KafkaEventConsumerOptions,
} from './kafka-event-consumer';
