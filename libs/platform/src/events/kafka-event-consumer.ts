import { isEventType, parseEvent, type ContractEvent } from '@cpq/contracts';
import type { DedupWindow } from '@cpq/redis-runtime';
import type { Consumer, EachMessagePayload, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import type { Kysely, Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import { assertSchemaName } from '../database/schema-name';
import { readEventHeaders, type EventHeaders } from './event-headers';
import { errorMessage, silentEventsLogger, type EventsLogger } from './events-logger';
import { isInInbox, recordInInbox } from './inbox';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';
import { backoffDelay } from './backoff';
import { WakeTimer } from './wake-timer';

/** Where a message came from, for the handler. */
export interface EventMessageContext {
  topic: string;
  partition: number;
  offset: string;
  /** The `requestId` header: the HTTP request that caused the event. */
  requestId?: string;
}

/** Inbox mode: the handler runs inside the transaction that recorded the event in the inbox. */
export interface InboxHandlerContext extends EventMessageContext {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  trx: Transaction<any>;
}

/** A message that was skipped because it is not a valid contract event. */
export interface InvalidEventMessage {
  topic: string;
  partition: number;
  offset: string;
  eventId?: string;
  reason: string;
}

interface CommonConsumerOptions {
  kafka: KafkaConnectionOptions;
  /** The consumer group (inbox mode) or its prefix (broadcast mode). */
  groupId: string;
  /**
   * Topics to read. A contract topic's messages are validated with that topic's envelope schema; other topics
   * (aliases, tests) by the schema of the envelope's own `eventType`.
   */
  topics: string[];
  /** Where a group without committed offsets starts. @default false (only new messages) */
  fromBeginning?: boolean;
  /** @default 10000 */
  sessionTimeoutMs?: number;
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** Longest fetch wait; bounds how long `stop()` waits for an idle fetch. @default 250 */
  maxWaitTimeMs?: number;
  /** `start()` waits this long for the first group join, then returns anyway (logging a warning). @default 30000 */
  joinTimeoutMs?: number;
  /** Retries of a failing handler (kafkajs then restarts the consumer and retries again). @default { initialRetryTime: 200, retries: 10 } */
  retry?: RetryOptions;
  /** @default silent */
  logger?: EventsLogger;
  /** Called for each skipped invalid message (metrics hook). */
  onInvalidMessage?: (message: InvalidEventMessage) => void;
}

/** Inbox mode (default): one instance of the group handles each event; the inbox makes it effectively once. */
export interface InboxConsumerOptions extends CommonConsumerOptions {
  mode?: 'inbox';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  /** The schema holding this service's `inbox` table. */
  schema: string;
  /**
   * Redis pre-check (a speed layer only). `true` / `'unknown'` → go on; `false` (seen recently) → one inbox
   * lookup decides: skip if recorded, else handle (the earlier attempt may have rolled back). Redis alone
   * never drops an event.
   */
  dedup?: DedupWindow;
  handle(event: ContractEvent, context: InboxHandlerContext): Promise<void>;
  /**
   * Runs after the transaction of a handled event committed (never for a duplicate), e.g. to drop caches of what
   * the handler wrote. Best effort: a failure is logged and the event stays handled.
   */
  afterCommit?(event: ContractEvent, context: EventMessageContext): Promise<void>;
}

/**
 * Broadcast mode: every instance receives every event (e.g. near-cache invalidation), through its own group
 * `<groupId>-<instanceId>`. No inbox and no transaction: handlers must be idempotent.
 */
export interface BroadcastConsumerOptions extends CommonConsumerOptions {
  mode: 'broadcast';
  /** @default a random id per process start */
  instanceId?: string;
  handle(event: ContractEvent, context: EventMessageContext): Promise<void>;
}

export type KafkaEventConsumerOptions = InboxConsumerOptions | BroadcastConsumerOptions;

/**
 * Consumes contract events from Kafka. Inbox mode: per message, one PostgreSQL transaction inserts
 * `(groupId, eventId)` into `<schema>.inbox` (`on conflict do nothing`; already there → skip) and runs the
 * handler; offsets are committed only after that transaction. A handler error rolls the transaction back and
 * the message is retried (at-least-once delivery + inbox = effects exactly once). Invalid messages are logged
 * and skipped.
 */
export class KafkaEventConsumer {
  /** The Kafka consumer group actually joined (`<groupId>-<instanceId>` in broadcast mode). */
  readonly groupId: string;
  private readonly kafka: Kafka;
  private readonly logger: EventsLogger;
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly timer = new WakeTimer();

  constructor(private readonly options: KafkaEventConsumerOptions) {
    this.logger = options.logger ?? silentEventsLogger;
    this.kafka = createKafkaClient(options.kafka, this.logger);
    if (options.mode === 'broadcast')
      this.groupId = `${options.groupId}-${options.instanceId ?? randomUUID()}`;
    else {
      assertSchemaName(options.schema);
      this.groupId = options.groupId;
    }
  }

  /**
   * Connects, subscribes and starts consuming; resolves once the group is joined, or after `joinTimeoutMs`. Kafka
   * being down does not fail the start (a service must come up and serve without it, its outbox keeps the events):
   * `start()` then resolves at once with a warning and the consumer keeps trying in the background, with backoff,
   * until it runs or `stop()` is called.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    let joined!: () => void;
    const firstJoin = new Promise<'joined'>((resolve) => (joined = () => resolve('joined')));
    let failed!: () => void;
    const firstFailure = new Promise<'failed'>((resolve) => (failed = () => resolve('failed')));
    this.loop = this.runUntilStopped(joined, failed);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.joinTimeoutMs ?? 30_000)),
    );
    const outcome = await Promise.race([firstJoin, firstFailure, timedOut]);
    clearTimeout(timer);
    if (outcome === 'failed')
      this.logger.warn(
        { groupId: this.groupId },
        'event consumer: Kafka unreachable; consuming once it is back (retrying in the background)',
      );
    else if (outcome === 'timeout')
      this.logger.warn(
        { groupId: this.groupId },
        'event consumer: group not joined yet; consuming once it is',
      );
  }

  /** Stops retrying or fetching, waits for the message in progress, commits its offset and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timer.interrupt();
    await this.loop;
    this.loop = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  /** One attempt after another until the consumer runs (kafkajs restarts it on later crashes) or `stop()`. */
  private async runUntilStopped(onJoin: () => void, onFailure: () => void): Promise<void> {
    for (let failures = 0; !this.stopping;) {
      try {
        await this.reachable();
        if (this.stopping) return;
        await this.run(onJoin);
        return;
      } catch (error) {
        const consumer = this.consumer;
        this.consumer = undefined;
        await consumer?.disconnect().catch(() => undefined);
        failures += 1;
        onFailure();
        this.logger.warn(
          { groupId: this.groupId, error: errorMessage(error), attempt: failures },
          'event consumer could not start; retrying',
        );
        await this.timer.sleep(backoffDelay(failures, { initialMs: 1000, maxMs: 30_000 }), {
          wakeable: false,
        });
      }
    }
  }

  /**
   * Fails within a few seconds when no broker answers: the consumer's own connect retries (sized for handler
   * retries) would take minutes to give up.
   */
  private async reachable(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async run(onJoin: () => void): Promise<void> {
    const o = this.options;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1000,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 250,
      allowAutoTopicCreation: false,
      retry: o.retry ?? { initialRetryTime: 200, retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.error(
        { groupId: this.groupId, error: errorMessage(payload.error), restart: payload.restart },
        'event consumer crashed',
      ),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: o.topics, fromBeginning: o.fromBeginning ?? false });
    await consumer.run({ autoCommit: true, eachMessage: (payload) => this.onMessage(payload) });
  }

  private async onMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const headers = readEventHeaders(message.headers);
    const event = this.decode(topic, partition, message, headers);
    if (!event) return;
    const context: EventMessageContext = {
      topic,
      partition,
      offset: message.offset,
      requestId: headers.requestId,
    };
    const fields = {
      groupId: this.groupId,
      topic,
      eventId: event.eventId,
      eventType: event.eventType,
      requestId: headers.requestId,
    };
    try {
      if (this.options.mode === 'broadcast') await this.options.handle(event, context);
      else await this.handleOnce(this.options, event, context);
    } catch (error) {
      this.logger.error(
        { ...fields, error: errorMessage(error) },
        'event handler failed; the message will be retried',
      );
      throw error;
    }
  }

  private async handleOnce(
    o: InboxConsumerOptions,
    event: ContractEvent,
    context: EventMessageContext,
  ): Promise<void> {
    if (o.dedup && (await this.seenRecently(o.dedup, event)) === false) {
      if (await isInInbox(o.db, o.schema, this.groupId, event.eventId)) {
        this.logger.debug(
          { groupId: this.groupId, eventId: event.eventId },
          'duplicate event skipped (dedup window + inbox)',
        );
        return;
      }
    }
    const handled = await o.db.transaction().execute(async (trx) => {
      if (!(await recordInInbox(trx, o.schema, this.groupId, event))) {
        this.logger.debug(
          { groupId: this.groupId, eventId: event.eventId },
          'duplicate event skipped (inbox)',
        );
        return false;
      }
      await o.handle(event, { ...context, trx });
      return true;
    });
    if (handled && o.afterCommit) {
      await o.afterCommit(event, context).catch((error: unknown) => {
        this.logger.warn(
          { groupId: this.groupId, eventId: event.eventId, error: errorMessage(error) },
          'after-commit step failed; the event stays handled',
        );
      });
    }
  }

  /** The dedup pre-check; a failure counts as `'unknown'` (go on, the inbox decides). */
  private async seenRecently(dedup: DedupWindow, event: ContractEvent): Promise<boolean | 'unknown'> {
    try {
      return await dedup.firstSeen(event.tenantId, this.groupId, event.eventId);
    } catch (error) {
      this.logger.warn(
        { groupId: this.groupId, error: errorMessage(error) },
        'dedup pre-check failed; the inbox decides',
      );
      return 'unknown';
    }
  }

  private decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
    headers: EventHeaders,
  ): ContractEvent | undefined {
    const skip = (reason: string, eventId = headers.eventId): undefined => {
      const invalid = { topic, partition, offset: message.offset, eventId, reason };
      this.logger.warn({ groupId: this.groupId, ...invalid }, 'invalid event message skipped');
      this.options.onInvalidMessage?.(invalid);
      return undefined;
    };
    let value: unknown;
    try {
      value = JSON.parse(message.value?.toString() ?? '');
    } catch {
      return skip('value is not JSON');
    }
    const claimed = (value as { eventType?: unknown; eventId?: unknown } | null) ?? {};
    const eventId = typeof claimed.eventId === 'string' ? claimed.eventId : headers.eventId;
    const eventType = isEventType(topic) ? topic : claimed.eventType;
    if (typeof eventType !== 'string' || !isEventType(eventType)) return skip('unknown event type', eventId);
    const parsed = parseEvent(eventType, value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return skip(`envelope does not match ${eventType}: ${issues}`, eventId);
    }
    return parsed.data as ContractEvent;
  }
}
