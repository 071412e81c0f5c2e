import {
  RedisLeaseManager,
  RedisRuntime,
  RuntimeMetrics,
  redisConfigFromEnv,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { Registry } from 'prom-client';
import type { BaseServiceConfig } from '../config/base-service-config';
import { createDatabase, type Database } from '../database/create-database';
import type { EventsLogger } from '../events/events-logger';
import { prometheusEventsMetrics, type EventsMetrics } from '../events/events-metrics';
import {
  KafkaEventConsumer,
  type BroadcastConsumerOptions,
  type InboxConsumerOptions,
} from '../events/kafka-event-consumer';
import {
  EVENT_RETENTION_JOB,
  purgeEventTables,
  type EventRetentionOptions,
  type EventRetentionResult,
} from '../events/event-retention';
import { OutboxRelay } from '../events/outbox-relay';
import {
  FencedJobRunner,
  type JobWork,
  type ScheduledJob,
  type ScheduleOptions,
} from '../jobs/fenced-job-runner';

export interface ServiceFoundationOptions {
  /** `catalog-service`: client names, consumer groups, the Redis connection names. */
  service: string;
  /** The service's PostgreSQL schema, holding its `outbox` and `inbox` tables. */
  schema: string;
  config: { APP_ENV: string; DATABASE_URL: string; KAFKA_BROKERS: string[] } & Partial<
    Pick<BaseServiceConfig, DatabaseVariable | EventRetentionVariable>
  >;
  registry: Registry;
  /** A pino logger (or anything with its info/warn/error/debug). */
  logger: EventsLogger & RuntimeLogger;
  /** Where the Redis workload URLs are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** When false, `startEvents` starts nothing (tests and benchmarks that need no events). */
  events: boolean;
}

type Managed<O> = Omit<O, 'kafka' | 'groupId' | 'logger' | 'metrics' | 'db' | 'schema'>;

type DatabaseVariable =
  | 'DATABASE_POOL_MAX'
  | 'DATABASE_CONNECT_TIMEOUT_MS'
  | 'DATABASE_STATEMENT_TIMEOUT_MS'
  | 'DATABASE_APPLICATION_NAME';
type EventRetentionVariable =
  | 'OUTBOX_RETENTION_HOURS'
  | 'INBOX_RETENTION_HOURS'
  | 'EVENT_RETENTION_INTERVAL_MS'
  | 'EVENT_RETENTION_BATCH'
  | 'EVENT_RETENTION_MAX_ROWS';

/**
 * What every composition root hands back from its foundation (`ServiceFoundation.lifecycle()`): the clients, and
 * the start and the ordered close of everything the foundation runs.
 */
export interface ServiceLifecycle<Tables> {
  readonly redis: RedisRuntime;
  readonly database: Database<Tables>;
  /** Starts the relay, the consumers (resolves once their groups are joined) and the scheduled jobs. */
  startEvents(): Promise<void>;
  /** Registers something to close first when the runtime closes. */
  onClose(close: () => Promise<void>): void;
  close(): Promise<void>;
}

/** A job started with the events (`startEvents`) and stopped with the consumers. */
interface EventsJob {
  start(): ScheduledJob;
  running?: ScheduledJob;
}

/** The retention purge's lease: long enough for a batch, kept alive while the run goes on. */
const EVENT_RETENTION_LEASE_MS = 30_000;

/**
 * What every service runs on: its Redis workloads, its PostgreSQL pool, the outbox relay of its schema and its
 * Kafka consumers, started together and closed in one order. A service's composition root opens one, builds its
 * own parts on top and hands over what must close with it.
 *
 * Closing order: what was registered with `onClose` (the app's own resources), the consumers and the jobs scheduled
 * with the events (the retention purge among them), the relay, what was registered with `own` (buses, trackers: they may still use Redis), then Redis and
 * PostgreSQL.
 */
export class ServiceFoundation<Tables> {
  readonly kafka: { brokers: string[]; clientId: string };
  readonly relay: OutboxRelay;
  private readonly eventsMetrics: EventsMetrics;
  private readonly consumers: KafkaEventConsumer[] = [];
  private readonly closeFirst: (() => Promise<void>)[] = [];
  private readonly owned: (() => Promise<void>)[] = [];
  private eventsStarted = false;
  private readonly eventsJobs: EventsJob[] = [];

  private constructor(
    private readonly options: ServiceFoundationOptions,
    readonly metrics: RuntimeMetrics,
    readonly redis: RedisRuntime,
    readonly database: Database<Tables>,
  ) {
    this.kafka = { brokers: options.config.KAFKA_BROKERS, clientId: options.service };
    this.eventsMetrics = prometheusEventsMetrics(options.registry);
    this.relay = new OutboxRelay({
      db: database.db,
      schema: options.schema,
      kafka: this.kafka,
      logger: options.logger,
      metrics: this.eventsMetrics,
    });
  }

  static async open<Tables>(options: ServiceFoundationOptions): Promise<ServiceFoundation<Tables>> {
    const metrics = new RuntimeMetrics({ registry: options.registry });
    const redis = await RedisRuntime.open({
      config: redisConfigFromEnv(options.env ?? process.env),
      env: options.config.APP_ENV,
      metrics,
      logger: options.logger,
      name: options.service,
    });
    const { config } = options;
    const database = createDatabase<Tables>({
      url: config.DATABASE_URL,
      applicationName: config.DATABASE_APPLICATION_NAME ?? options.service,
      ...(config.DATABASE_POOL_MAX === undefined ? {} : { poolMax: config.DATABASE_POOL_MAX }),
      ...(config.DATABASE_CONNECT_TIMEOUT_MS === undefined
        ? {}
        : { connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS }),
      ...(config.DATABASE_STATEMENT_TIMEOUT_MS === undefined
        ? {}
        : { statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS }),
    });
    return new ServiceFoundation<Tables>(options, metrics, redis, database);
  }

  /**
   * A consumer whose group is `<service>-<name>.<APP_ENV>` (environments sharing a broker must not split one
   * group's events between them). Inbox mode (the default) records each event in the schema's inbox in the
   * handler's transaction; broadcast mode delivers every event to every instance. Started by `startEvents`.
   */
  consumer(
    name: string,
    options: Managed<InboxConsumerOptions> | Managed<BroadcastConsumerOptions>,
  ): KafkaEventConsumer {
    const common = {
      kafka: this.kafka,
      groupId: `${this.options.service}-${name}.${this.options.config.APP_ENV}`,
      logger: this.options.logger,
      metrics: this.eventsMetrics,
    };
    const consumer =
      options.mode === 'broadcast'
        ? new KafkaEventConsumer({ ...options, ...common })
        : new KafkaEventConsumer({
            ...options,
            ...common,
            db: this.database.db,
            schema: this.options.schema,
          });
    this.consumers.push(consumer);
    return consumer;
  }

  /**
   * The retention purge of this schema's outbox and inbox (`purgeEventTables`: published outbox rows after
   * `OUTBOX_RETENTION_HOURS`, inbox rows after `INBOX_RETENTION_HOURS`) as the job `event-retention` of `jobs`, the
   * service's `FencedJobRunner` over this schema: `startEvents` schedules it every `EVENT_RETENTION_INTERVAL_MS` when
   * events run in this process (one instance at a time runs it), `close` stops it. Returns one run now (tests,
   * operators): what it deleted, or undefined when another instance holds the job.
   */
  retainEvents(jobs: FencedJobRunner): () => Promise<EventRetentionResult | undefined> {
    const logger = this.options.logger;
    this.scheduleWithEvents(
      jobs,
      EVENT_RETENTION_JOB,
      {
        intervalMs: this.options.config.EVENT_RETENTION_INTERVAL_MS ?? 600_000,
        ttlMs: EVENT_RETENTION_LEASE_MS,
      },
      async (ctx) => {
        const purged = await purgeEventTables(ctx, this.retentionOptions());
        if (purged.outbox + purged.inbox > 0) logger.info({ ...purged }, 'outbox and inbox rows purged');
        return purged;
      },
    );
    return async () => {
      const run = await jobs.runOnce(EVENT_RETENTION_JOB, { ttlMs: EVENT_RETENTION_LEASE_MS }, (ctx) =>
        purgeEventTables(ctx, this.retentionOptions()),
      );
      return run.ran ? run.value : undefined;
    };
  }

  /**
   * The service's `FencedJobRunner` over its schema's `job_fences`, its leases in the rate workload's `leaseFamily`
   * (a tenant-tagged `lease-token` family of the service, e.g. `order-job-lease`).
   */
  jobRunner(leaseFamily: string): FencedJobRunner {
    const { logger, registry } = this.options;
    return new FencedJobRunner({
      db: this.database.db,
      schema: this.options.schema,
      leases: new RedisLeaseManager({
        connection: this.redis.connection('rate'),
        keys: this.redis.keys,
        family: leaseFamily,
        logger,
      }),
      logger,
      registry,
    });
  }

  /**
   * Schedules a job of `jobs` when the events start (`startEvents`, so not at all where events are off) and stops it
   * with the consumers on `close`.
   */
  scheduleWithEvents<T>(
    jobs: FencedJobRunner,
    name: string,
    options: ScheduleOptions,
    work: JobWork<T>,
  ): void {
    this.eventsJobs.push({ start: () => jobs.schedule(name, options, work) });
  }

  /** The clients, `startEvents`, `onClose` and `close` of this foundation, for the runtime a composition root returns. */
  lifecycle(): ServiceLifecycle<Tables> {
    return {
      redis: this.redis,
      database: this.database,
      startEvents: () => this.startEvents(),
      onClose: (close) => this.onClose(close),
      close: () => this.close(),
    };
  }

  private retentionOptions(): EventRetentionOptions {
    const { config } = this.options;
    return {
      schema: this.options.schema,
      outboxRetentionHours: config.OUTBOX_RETENTION_HOURS ?? 168,
      inboxRetentionHours: config.INBOX_RETENTION_HOURS ?? 336,
      batchSize: config.EVENT_RETENTION_BATCH ?? 1_000,
      maxRowsPerRun: config.EVENT_RETENTION_MAX_ROWS ?? 100_000,
    };
  }

  /** Closed after the consumers and the relay, before Redis and PostgreSQL (in registration order). */
  own(close: () => Promise<void>): void {
    this.owned.push(close);
  }

  /** Closed first, all at once (e.g. the HTTP app's health probes). */
  onClose(close: () => Promise<void>): void {
    this.closeFirst.push(close);
  }

  /**
   * Starts the relay, every consumer and the jobs scheduled with the events (`retainEvents`, `scheduleWithEvents`);
   * resolves once they run (or
   * retry in the background). Idempotent.
   */
  async startEvents(): Promise<void> {
    if (!this.options.events || this.eventsStarted) return;
    this.eventsStarted = true;
    this.relay.start();
    for (const job of this.eventsJobs) job.running = job.start();
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.closeFirst.map((close) => close()));
    await Promise.allSettled([
      ...this.consumers.map((consumer) => consumer.stop()),
      ...this.eventsJobs.map((job) => job.running?.stop()),
    ]);
    await this.relay.stop();
    for (const close of this.owned) {
      // One part failing to close must not keep Redis and PostgreSQL open.
      await close().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'a service part failed to close'),
      );
    }
    await this.redis.close();
    await this.database.close();
  }
}
