import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type Kysely, sql } from 'kysely';
import { assertSchemaName } from '../database/schema-name';
import { backoffDelay, DEPENDENCY_RETRY_BACKOFF, type BackoffOptions } from './backoff';
import { eventHeaders } from './event-headers';
import { errorMessage, silentEventsLogger, type EventsLogger } from './events-logger';
import { silentEventsMetrics, type EventsMetrics } from './events-metrics';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client';
import { KafkaProbe } from './kafka-probe';
import type { OutboxInboxTables } from './outbox';
import { WakeTimer } from './wake-timer';

/** Options of `OutboxRelay`. */
export interface OutboxRelayOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  /** The schema whose `outbox` table this relay drains. */
  schema: string;
  kafka: KafkaConnectionOptions;
  /** Rows claimed and sent per batch. @default 100 */
  batchSize?: number;
  /**
   * Fallback poll when nobody calls `notify()`: rows another instance committed and did not relay (it died in
   * between), or rows this relay could not claim. A service calls `notify()` after its own commits, so this only
   * bounds the delay of those rare rows; every poll is a transaction on an idle database. @default 1000
   */
  pollIntervalMs?: number;
  /**
   * While Kafka is away: the delay before each reachability probe (and between failed database attempts). The cap
   * bounds how late the relay notices Kafka's return. @default { initialMs: 200, maxMs: 1000 }
   */
  backoff?: BackoffOptions;
  /** @default silent */
  logger?: EventsLogger;
  /** @default none */
  metrics?: EventsMetrics;
  /** Metrics hooks, called after each batch that claimed rows. */
  onBatch?: (result: RelayBatchResult & { durationMs: number }) => void;
}

/** What one batch did. */
export interface RelayBatchResult {
  /** Pending rows this relay locked (rows locked by other relays are skipped). */
  claimed: number;
  /** Rows Kafka acknowledged and that are now marked `published_at`. */
  published: number;
  /** Why the batch was not sent; its rows stay pending with `attempts` incremented. */
  error?: unknown;
}

type ClaimedRow = Pick<
  OutboxInboxTables['outbox'],
  'event_id' | 'topic' | 'message_key' | 'event_type' | 'request_id'
> & {
  envelope: unknown;
};

/**
 * Publishes the pending rows of `<schema>.outbox` to Kafka, at least once, in `created_at` order per batch.
 *
 * One batch = one transaction: `select … for update skip locked` claims up to `batchSize` pending rows (other
 * relay instances skip them), an idempotent producer sends them (acks=all, key = `message_key`, headers
 * `eventId`/`eventType`/`requestId`), then the rows get `published_at = now()`. When Kafka fails, the rows get
 * `attempts + 1` and `last_error` and stay pending; the loop then sends nothing until a cheap probe (one connection,
 * one metadata request, no transaction) finds a broker answering again, probing with a jittered backoff capped at
 * 1 s, so the backlog starts draining within about a second of Kafka's return. Rows are never deleted. A crash
 * between Kafka's ack and the commit republishes the batch: consumers dedupe on `eventId` (inbox).
 */
export class OutboxRelay {
  private readonly db: Kysely<OutboxInboxTables>;
  private readonly schema: string;
  private readonly kafka: Kafka;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: EventsLogger;
  private readonly metrics: EventsMetrics;
  private readonly backoff: BackoffOptions;
  private readonly probe: KafkaProbe;
  private readonly timer = new WakeTimer();
  private producer: Producer | undefined;
  /** Set from a failed send until a batch (or a probe with nothing to send) reaches Kafka again. */
  private outage: { since: number; probes: number; lastWarnAt: number } | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private batchInProgress: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxRelayOptions) {
    this.db = options.db as Kysely<OutboxInboxTables>;
    this.schema = assertSchemaName(options.schema);
    this.logger = options.logger ?? silentEventsLogger;
    this.metrics = options.metrics ?? silentEventsMetrics;
    this.kafka = createKafkaClient(options.kafka, this.logger);
    // Probes report through this relay's own log lines (one per outage), not kafkajs' (two per failed probe).
    this.probe = new KafkaProbe(options.kafka, silentEventsLogger);
    this.backoff = options.backoff ?? DEPENDENCY_RETRY_BACKOFF;
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /** False from a failed send until the relay reaches Kafka again. */
  get kafkaReachable(): boolean {
    return this.outage === undefined;
  }

  /** Starts the publishing loop in the background; Kafka being down delays publishing, not the start. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.metrics.relayKafkaUp(this.schema, this.outage === undefined);
    this.loop = this.run();
  }

  /** Stops the loop, waits for the batch in progress and disconnects the producer. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer.interrupt();
    await this.loop;
    await this.batchInProgress.catch(() => undefined);
    await this.disconnectProducer();
  }

  /**
   * Publishes soon instead of at the next poll; call after committing a transaction that appended events. While
   * Kafka is away it does not hurry the probes (a busy service would otherwise probe once per write): the rows go
   * with the first batch after a probe finds Kafka back.
   */
  notify(): void {
    this.timer.wake();
  }

  /** Claims and publishes one batch now. Kafka errors are returned (rows kept); database errors are thrown. */
  flushOnce(): Promise<RelayBatchResult> {
    const batch = this.batchInProgress.catch(() => undefined).then(() => this.publishBatch());
    this.batchInProgress = batch;
    return batch;
  }

  private async run(): Promise<void> {
    let databaseFailures = 0;
    while (this.running) {
      if (this.outage && !(await this.untilKafkaAnswers())) break;
      let result: RelayBatchResult;
      try {
        result = await this.flushOnce();
        databaseFailures = 0;
      } catch (error) {
        databaseFailures += 1;
        this.metrics.relayBatch(this.schema, 'database_error', 0);
        this.logger.warn(
          { schema: this.schema, error: errorMessage(error), attempt: databaseFailures },
          'outbox relay: database error',
        );
        await this.timer.sleep(backoffDelay(databaseFailures, this.backoff), { wakeable: false });
        continue;
      }
      if (!this.running) break;
      if (result.error === undefined) {
        this.kafkaBack();
        if (result.claimed < this.batchSize) await this.timer.sleep(this.pollIntervalMs);
      }
      // A Kafka error opened (or continued) the outage: the next turn probes before sending again.
    }
  }

  /** Probes, with backoff, until a broker answers (true) or the relay stops (false). Sends nothing meanwhile. */
  private async untilKafkaAnswers(): Promise<boolean> {
    const outage = this.outage!;
    while (this.running) {
      outage.probes += 1;
      await this.timer.sleep(backoffDelay(outage.probes, this.backoff), { wakeable: false });
      if (!this.running) return false;
      const probe = await this.probe.probe();
      this.metrics.relayProbe(this.schema, probe.reachable);
      if (probe.reachable) return true;
      this.logger.debug(
        { schema: this.schema, probes: outage.probes, error: probe.error },
        'outbox relay: Kafka still unreachable',
      );
    }
    return false;
  }

  private kafkaLost(error: unknown, rows: number): void {
    const now = Date.now();
    const fields = { schema: this.schema, rows, error: errorMessage(error) };
    if (!this.outage) {
      this.outage = { since: now, probes: 0, lastWarnAt: now };
      this.metrics.relayKafkaUp(this.schema, false);
      this.logger.warn(fields, 'outbox relay: Kafka send failed; rows kept, probing Kafka until it answers');
    } else if (now - this.outage.lastWarnAt >= 60_000) {
      this.outage.lastWarnAt = now;
      this.logger.warn(
        { ...fields, downMs: now - this.outage.since, probes: this.outage.probes },
        'outbox relay: Kafka still failing; rows kept',
      );
    } else {
      this.logger.debug(fields, 'outbox relay: Kafka send failed again; rows kept');
    }
  }

  private kafkaBack(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.metrics.relayKafkaUp(this.schema, true);
    this.logger.info(
      { schema: this.schema, downMs: Date.now() - outage.since, probes: outage.probes },
      'outbox relay: Kafka reachable again; publishing',
    );
  }

  private async publishBatch(): Promise<RelayBatchResult> {
    const started = Date.now();
    const result = await this.db.transaction().execute(async (trx) => {
      const outbox = trx.withSchema(this.schema);
      const rows: ClaimedRow[] = await outbox
        .selectFrom('outbox')
        .select(['event_id', 'topic', 'message_key', 'event_type', 'envelope', 'request_id'])
        .where('published_at', 'is', null)
        .orderBy('created_at')
        .orderBy('event_id')
        .limit(this.batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return { claimed: 0, published: 0 };
      const ids = rows.map((row) => row.event_id);
      try {
        await this.send(rows);
      } catch (error) {
        await this.disconnectProducer(); // a fresh producer id and sequence numbers for the retry
        await outbox
          .updateTable('outbox')
          .set({ attempts: sql`attempts + 1`, last_error: errorMessage(error) })
          .where('event_id', 'in', ids)
          .execute();
        this.kafkaLost(error, rows.length);
        return { claimed: rows.length, published: 0, error };
      }
      await outbox
        .updateTable('outbox')
        .set({ published_at: sql`now()` })
        .where('event_id', 'in', ids)
        .execute();
      this.logger.debug({ schema: this.schema, rows: rows.length }, 'outbox relay: published');
      this.kafkaBack();
      return { claimed: rows.length, published: rows.length };
    });
    if (result.claimed > 0) {
      this.metrics.relayBatch(this.schema, result.error ? 'kafka_error' : 'published', result.published);
      this.options.onBatch?.({ ...result, durationMs: Date.now() - started });
    }
    return result;
  }

  private async send(rows: ClaimedRow[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({
        key: row.message_key,
        value: JSON.stringify(row.envelope),
        headers: eventHeaders({
          eventId: row.event_id,
          eventType: row.event_type,
          requestId: row.request_id,
        }),
      });
      byTopic.set(row.topic, messages);
    }
    const producer = await this.connectedProducer();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private async disconnectProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
