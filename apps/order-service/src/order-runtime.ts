import { TOPICS } from '@cpq/contracts';
import {
  IdempotentCommands,
  ServiceFoundation,
  type ServiceLifecycle,
  type EventRetentionResult,
  type EventsLogger,
  type JobContext,
} from '@cpq/platform';
import {
  RedisCacheAside,
  RedisDedupWindow,
  RedisIdempotencyResponseCache,
  RedisRateLimiter,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { IDEMPOTENCY_PURGE_JOB, purgeExpiredIdempotencyKeys } from './adapters/idempotency-retention';
import { KyselyOrderRepository } from './adapters/kysely-order.repository';
import type { OrderingTables } from './adapters/ordering.tables';
import { RedisCachedVersionProbe } from './adapters/redis-cached-version-probe';
import { OrderCapture } from './application/order-capture';
import { orderCapturePolicy, OrderCaptureRateLimit } from './application/order-capture-rate-limit';
import { OrderKeys } from './application/order-keys';
import { OrderReader } from './application/order-reader';
import { OrderTransitions } from './application/order-transitions';
import { OrderViewCache } from './application/order-view-cache';
import type { OrderRepository } from './application/order.repository';
import type { OrderConfig } from './config';

export const SERVICE_NAME = 'order-service';

/** Everything order-service runs on, built once at start-up (the composition root) and closed in order. */
export interface OrderRuntime extends ServiceLifecycle<OrderingTables> {
  readonly config: OrderConfig;
  readonly capture: OrderCapture;
  readonly transitions: OrderTransitions;
  readonly reader: OrderReader;
  readonly captureRateLimit: OrderCaptureRateLimit;
  /** The retention purge, one run now (tests, operators); `undefined` when another instance holds the lease. */
  purgeExpiredKeys(): Promise<number | undefined>;
  /** The outbox and inbox retention purge, one run now (tests, operators); `undefined` when another instance has it. */
  purgeOldEvents(): Promise<EventRetentionResult | undefined>;
}

export async function openOrderRuntime(
  config: OrderConfig,
  registry: Registry,
  logger: EventsLogger & RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OrderRuntime> {
  const base = await ServiceFoundation.open<OrderingTables>({
    service: SERVICE_NAME,
    schema: 'ordering',
    config,
    registry,
    logger,
    env,
    events: config.ORDER_EVENTS,
  });
  const { metrics, redis, database } = base;
  const db = database.db as Kysely<OrderingTables>;
  const repository = withTestHooks(new KyselyOrderRepository(db), env);
  const commands = new IdempotentCommands({
    db,
    schema: 'ordering',
    cache: new RedisIdempotencyResponseCache({
      connection: redis.connection('session'),
      keys: redis.keys,
      family: 'order-idempotency',
      logger,
    }),
    retentionSeconds: config.ORDER_IDEMPOTENCY_RETENTION_HOURS * 3600,
    lockWaitMs: config.ORDER_IDEMPOTENCY_WAIT_MS,
  });
  const capture = new OrderCapture(commands, repository, base.relay);
  const views = config.ORDER_VIEW_CACHE
    ? new OrderViewCache(
        new RedisCacheAside({ connection: redis.connection('cache'), logger }),
        new OrderKeys(redis.keys),
        new RedisCachedVersionProbe(redis.connection('cache')),
        { ttlSeconds: config.ORDER_VIEW_TTL_SECONDS },
      )
    : undefined;
  const reader = new OrderReader(repository, views);
  const transitions = new OrderTransitions(repository, base.relay, views);
  const captureRateLimit = new OrderCaptureRateLimit(
    new RedisRateLimiter({
      connection: redis.connection('rate'),
      keys: redis.keys,
      policies: [orderCapturePolicy(config.ORDER_CAPTURE_LIMIT_PER_MIN)],
      metrics,
      logger,
    }),
  );

  // One instance per event keeps the projection of finalized configurations (inbox-deduplicated, Redis dedup as
  // a pre-check). Captures read it in their own transaction: no call to config-service on the capture path.
  base.consumer('configurations', {
    topics: [TOPICS.configFinalized],
    fromBeginning: config.ORDER_PROJECTION_REPLAY,
    dedup: new RedisDedupWindow({
      connection: redis.connection('session'),
      keys: redis.keys,
      family: 'order-event-dedup',
      logger,
    }),
    handle: async (event, { trx }) => {
      if (event.eventType !== TOPICS.configFinalized) return;
      await repository.recordConfiguration(trx, event.tenantId, event.payload, event);
    },
  });
  // Every instance drops the cached view of an order whose status changed (the durable path: a handler that
  // cannot make sure no older view is left throws, and the event is retried).
  if (views) {
    base.consumer('order-view-invalidation', {
      mode: 'broadcast',
      topics: [TOPICS.orderStatusChanged],
      handle: async (event) => {
        if (event.eventType !== TOPICS.orderStatusChanged) return;
        await views.dropOlderThan(event.tenantId, event.payload.orderId, event.payload.version);
      },
    });
  }

  // The retention purge: every instance schedules it, one runs it at a time (lease), its deletes fenced in
  // ordering.job_fences.
  const jobs = base.jobRunner('order-job-lease');
  const purgeJob = { intervalMs: config.ORDER_RETENTION_PURGE_INTERVAL_MS, ttlMs: 60_000 };
  const purge = (context: JobContext) =>
    purgeExpiredIdempotencyKeys(context, { batchSize: config.ORDER_RETENTION_PURGE_BATCH });
  base.scheduleWithEvents(jobs, IDEMPOTENCY_PURGE_JOB, purgeJob, purge);
  // The outbox and inbox retention purge, on the same runner: scheduled with the events by the foundation.
  const purgeOldEvents = base.retainEvents(jobs);

  return {
    ...base.lifecycle(),
    config,
    capture,
    transitions,
    reader,
    captureRateLimit,
    purgeExpiredKeys: async () => {
      const run = await jobs.runOnce(IDEMPOTENCY_PURGE_JOB, purgeJob, purge);
      return run.ran ? run.value : undefined;
    },
    purgeOldEvents,
  };
}

/**
 * TEST HOOK, inert unless `ORDER_TEST_HOLD_BEFORE_COMMIT_MS` is set (process-level tests only): after a capture's
 * rows are written and before its transaction commits, prints a line to stderr and waits that long, so a test can
 * kill the process between the key claim and the commit.
 */
function withTestHooks(repository: OrderRepository, env: NodeJS.ProcessEnv): OrderRepository {
  const holdMs = Number(env['ORDER_TEST_HOLD_BEFORE_COMMIT_MS'] ?? 0);
  if (!(holdMs > 0)) return repository;
  return Object.assign(Object.create(repository) as OrderRepository, {
    insertCaptured: async (...args: Parameters<OrderRepository['insertCaptured']>) => {
      await repository.insertCaptured(...args);
      process.stderr.write('order-service test hook: capture held before commit\n');
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    },
  });
}
