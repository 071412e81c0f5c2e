import { isEventType, parseEvent, type ContractEvent } from '@cpq/contracts';
import type { DedupWindow } from '@cpq/redis-runtime';
import type { Cluster, Consumer, EachMessagePayload, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import type { Kysely, Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import { assertSchemaName } from '../database/schema-name';
import { readEventHeaders, type EventHeaders } from './event-headers';
import { errorMessage, silentEventsLogger, type EventsLogger } from './events-logger';
import { isInInbox, recordInInbox } from './inbox';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';
import { backoffDelay, DEPENDENCY_RETRY_BACKOFF } from './backoff';
import { silentEventsMetrics, type ConsumedMessageOutcome, type EventsMetrics } from './events-metrics';
import { KafkaProbe } from './kafka-probe';
import { leaveStaleMember, roundRobinCapturingCluster } from './stale-member';
import { startPositions, type PartitionSeek } from './start-positions';
import { WakeTimer } from './wake-timer';
import { retryableTransaction } from '../database/retryable-transaction';

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
  /**
   * Where a partition without a committed offset starts. `false`: at the first message published after this
   * consumer was created (5 s of clock skew allowed), however late the group joins and whichever rejoin finds the
   * partition without a commit, so an outage at start or between joins loses nothing; never at whatever happens
   * to be the latest offset then. `true`: at the beginning. @default false
   */
  fromBeginning?: boolean;
  /** @default 10000 */
  sessionTimeoutMs?: number;
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** Longest fetch wait; bounds how long `stop()` waits for an idle fetch. @default 250 */
  maxWaitTimeMs?: number;
  /** `start()` waits this long for the first group join, then returns anyway (logging a warning). @default 30000 */
  joinTimeoutMs?: number;
  /**
   * kafkajs' retries of a failing handler or fetch before it gives up; the consumer then leaves, waits for a broker to
   * answer a probe (every 0.5-1 s) and joins again. @default { initialRetryTime: 200, maxRetryTime: 1000, retries: 10 }
   */
  retry?: Omit<RetryOptions, 'restartOnFailure'>;
  /** @default silent */
  logger?: EventsLogger;
  /** @default none */
  metrics?: EventsMetrics;
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
 * `<groupId>-<instanceId>`. No inbox and no transaction: handlers must be idempotent. The instance sees every event
 * published after it was created, including those published while Kafka was away (its group's position is
 * committed from its first join on, so a rejoin resumes there), and no history before: the first join positions
 * every partition at the consumer's creation, also for a group left by an earlier process of the same instanceId.
 */
export interface BroadcastConsumerOptions extends CommonConsumerOptions {
  mode: 'broadcast';
  /** @default a random id per process start */
  instanceId?: string;
  handle(event: ContractEvent, context: EventMessageContext): Promise<void>;
}

export type KafkaEventConsumerOptions = InboxConsumerOptions | BroadcastConsumerOptions;

/** How far before its creation a consumer's start position lies: clock skew between producers and this host. */
const START_CLOCK_SKEW_MS = 5_000;

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
  private readonly metrics: EventsMetrics;
  private readonly probe: KafkaProbe;
  /** When this consumer was created: partitions without a committed offset start at this time's offsets. */
  private readonly createdAt = Date.now();
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopped: { promise: Promise<void>; resolve: () => void } = deferred();
  /** Broadcast mode: every partition is positioned at `createdAt` once, at the first join. */
  private positioned = false;
  /** The member id of the last session that joined: a later session takes it out of the group first. */
  private lastMemberId: string | undefined;
  /** Set while the consumer is out of its group after having been in it (or never got in). */
  private outage: { since: number; attempts: number } | undefined;
  private readonly timer = new WakeTimer();

  constructor(private readonly options: KafkaEventConsumerOptions) {
    this.logger = options.logger ?? silentEventsLogger;
    this.metrics = options.metrics ?? silentEventsMetrics;
    this.kafka = createKafkaClient(options.kafka, this.logger);
    this.probe = new KafkaProbe(options.kafka, silentEventsLogger);
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
   * `start()` then resolves at once with a warning and the consumer keeps trying in the background, probing every
   * 0.5-1 s, until it runs or `stop()` is called. The same holds whenever it loses its group later.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.stopped = deferred();
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
    this.stopped.resolve();
    this.timer.interrupt();
    await this.loop;
    this.loop = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
    this.metrics.consumerUp(this.options.groupId, false);
  }

  /**
   * Joins, consumes until kafkajs gives up (a crash: Kafka gone, or a handler still failing after its retries), then
   * probes until a broker answers and joins again; until `stop()`. kafkajs' own restarts are off: they reconnect
   * every few hundred ms for as long as Kafka is away, each attempt logged as an error.
   */
  private async runUntilStopped(onJoin: () => void, onFailure: () => void): Promise<void> {
    for (let failures = 0; !this.stopping;) {
      if (failures > 0) {
        await this.timer.sleep(backoffDelay(failures, DEPENDENCY_RETRY_BACKOFF), { wakeable: false });
        if (this.stopping) return;
        const probe = await this.probe.probe();
        if (!probe.reachable) {
          failures += 1;
          if (this.outage) this.outage.attempts += 1;
          this.logger.debug(
            { groupId: this.groupId, attempt: failures, error: probe.error },
            'event consumer: Kafka still unreachable',
          );
          continue;
        }
      }
      let session: { crashed: Promise<unknown> };
      try {
        session = await this.run(onJoin);
      } catch (error) {
        await this.dropConsumer();
        failures += 1;
        onFailure();
        this.lost(error, 'event consumer could not start; retrying once Kafka answers');
        continue;
      }
      const crash = await Promise.race([session.crashed, this.stopped.promise.then(() => undefined)]);
      if (this.stopping) return;
      await this.dropConsumer();
      failures = 1;
      this.lost(crash, 'event consumer left its group; rejoining once Kafka answers');
    }
  }

  private async dropConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }

  private lost(error: unknown, message: string): void {
    this.metrics.consumerUp(this.options.groupId, false);
    if (this.outage) {
      this.outage.attempts += 1;
      this.logger.debug({ groupId: this.groupId, error: errorMessage(error) }, message);
      return;
    }
    this.outage = { since: Date.now(), attempts: 1 };
    this.logger.warn({ groupId: this.groupId, error: errorMessage(error) }, message);
  }

  private joined(): void {
    this.metrics.consumerUp(this.options.groupId, true);
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.logger.info(
      { groupId: this.groupId, downMs: Date.now() - outage.since, attempts: outage.attempts },
      'event consumer: back in its group',
    );
  }

  /**
   * One consumer session: positions, connects, subscribes, runs. Resolves once kafkajs runs (the group joined or
   * its first join failed) with a promise that resolves when this session crashes.
   */
  private async run(onJoin: () => void): Promise<{ crashed: Promise<unknown> }> {
    const o = this.options;
    const seeks = await this.positions();
    let cluster: Cluster | undefined;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      partitionAssigners: [roundRobinCapturingCluster((c) => (cluster = c))],
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 1000,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 250,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 200,
        maxRetryTime: 1_000,
        retries: 10,
        ...o.retry,
        restartOnFailure: async () => false,
      },
    });
    this.consumer = consumer;
    const crash = deferred<unknown>();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.lastMemberId = payload.memberId;
      this.positioned = true;
      this.joined();
      onJoin();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error(
        { groupId: this.groupId, error: errorMessage(payload.error) },
        'event consumer crashed',
      );
      crash.resolve(payload.error);
    });
    await consumer.connect();
    const stale = this.lastMemberId;
    if (
      stale !== undefined &&
      cluster !== undefined &&
      (await leaveStaleMember(cluster, this.groupId, stale))
    ) {
      this.logger.debug({ groupId: this.groupId, memberId: stale }, 'event consumer: previous member left');
      this.lastMemberId = undefined;
    }
    await consumer.subscribe({ topics: o.topics, fromBeginning: o.fromBeginning ?? false });
    const running = consumer.run({ autoCommit: true, eachMessage: (payload) => this.onMessage(payload) });
    // Before the first fetch (the group exists once `run` is called): kafkajs applies and commits these first.
    for (const seek of seeks) consumer.seek(seek);
    await running;
    return { crashed: crash.promise };
  }

  /**
   * The seeks of this session (see `fromBeginning`): none with `fromBeginning`; at the first join in broadcast mode,
   * every partition at `createdAt`; otherwise the partitions the group has no committed offset for, at `createdAt`.
   * Also fails fast when no broker answers (the consumer's own connect retries, sized for handler retries, would
   * take much longer to give up).
   */
  private positions(): Promise<PartitionSeek[]> {
    if (this.options.fromBeginning)
      return this.probe.probe().then((probe) => {
        if (!probe.reachable) throw new Error(probe.error);
        return [];
      });
    return startPositions(this.kafka, {
      groupId: this.groupId,
      topics: this.options.topics,
      at: this.createdAt - START_CLOCK_SKEW_MS,
      everyPartition: this.options.mode === 'broadcast' && !this.positioned,
    });
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
    let outcome: ConsumedMessageOutcome = 'handled';
    try {
      if (this.options.mode === 'broadcast') await this.options.handle(event, context);
      else outcome = await this.handleOnce(this.options, event, context);
    } catch (error) {
      outcome = 'failed';
      this.logger.error(
        { ...fields, error: errorMessage(error) },
        'event handler failed; the message will be retried',
      );
      throw error;
    } finally {
      this.metrics.consumerMessage(this.options.groupId, outcome);
    }
  }

  private async handleOnce(
    o: InboxConsumerOptions,
    event: ContractEvent,
    context: EventMessageContext,
  ): Promise<'handled' | 'duplicate'> {
    if (o.dedup && (await this.seenRecently(o.dedup, event)) === false) {
      if (await isInInbox(o.db, o.schema, this.groupId, event.eventId)) {
        this.logger.debug(
          { groupId: this.groupId, eventId: event.eventId },
          'duplicate event skipped (dedup window + inbox)',
        );
        return 'duplicate';
      }
    }
    const handled = await retryableTransaction(o.db, async (trx) => {
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
    return handled ? 'handled' : 'duplicate';
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
      this.metrics.consumerMessage(this.options.groupId, 'invalid');
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

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
