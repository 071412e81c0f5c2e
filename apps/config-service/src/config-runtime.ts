import {
  FencedJobRunner,
  ServiceFoundation,
  type ServiceLifecycle,
  type EventRetentionResult,
  type EventsLogger,
  type JobContext,
} from '@cpq/platform';
import { RedisRateLimiter, RedisVersionedDocuments, type RuntimeLogger } from '@cpq/redis-runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { ConfigMetrics } from './application/config-metrics';
import { ConfigSessions } from './application/config-sessions';
import { ConfigurationReader } from './application/configuration-reader';
import { OfferCatalog } from './application/offer-catalog';
import { SessionDrafts } from './application/session-drafts';
import { SnapshotWriteBehind } from './application/snapshot-write-behind';
import { configUpdatesPolicy, UpdateRateLimit } from './application/update-rate-limit';
import type { ConfigTables } from './adapters/config.tables';
import { HttpCatalogClient } from './adapters/http-catalog-client';
import { KyselyConfigRepository } from './adapters/kysely-config.repository';
import { OfferNearCache } from './adapters/offer-near-cache';
import { RedisOfferCache } from './adapters/redis-offer-cache';
import { purgeExpiredSnapshots, SNAPSHOT_PURGE_JOB } from './adapters/snapshot-purge-job';
import { touchIntervalMs, type ConfigServiceConfig } from './config';
import type { SessionDraft } from './domain/session';

export const SERVICE_NAME = 'config-service';

/** The purge's lease: long enough for a batch, kept alive while it runs. */
const PURGE_LEASE_TTL_MS = 30_000;

/** Everything config-service runs on, built once at start-up (the composition root) and closed in order. */
export interface ConfigRuntime extends ServiceLifecycle<ConfigTables> {
  readonly config: ConfigServiceConfig;
  readonly sessions: ConfigSessions;
  readonly configurations: ConfigurationReader;
  readonly rateLimit: UpdateRateLimit;
  readonly writeBehind: SnapshotWriteBehind;
  readonly repository: KyselyConfigRepository;
  readonly jobs: FencedJobRunner;
  /** Runs the snapshot purge now if this instance gets the job (tests, operators): the rows purged, else undefined. */
  purgeNow(): Promise<number | undefined>;
  /** The outbox and inbox retention purge, one run now (tests, operators); `undefined` when another instance has it. */
  purgeOldEvents(): Promise<EventRetentionResult | undefined>;
}

export async function openConfigRuntime(
  config: ConfigServiceConfig,
  registry: Registry,
  logger: EventsLogger & RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigRuntime> {
  const base = await ServiceFoundation.open<ConfigTables>({
    service: SERVICE_NAME,
    schema: 'config',
    config,
    registry,
    logger,
    env,
    events: config.CONFIG_EVENTS,
  });
  const { metrics, redis, database } = base;
  const db = database.db as Kysely<ConfigTables>;
  const repository = new KyselyConfigRepository(db);
  // The gauge reads the write-behind's size only when /metrics is scraped, after both exist.
  const configMetrics: ConfigMetrics = new ConfigMetrics(registry, (): number => writeBehind.size);
  const writeBehind: SnapshotWriteBehind = new SnapshotWriteBehind(repository, {
    maxLagMs: config.CONFIG_SNAPSHOT_MAX_LAG_MS,
    maxPending: config.CONFIG_SNAPSHOT_MAX_PENDING,
    metrics: configMetrics,
    logger,
  });
  const store = new RedisVersionedDocuments<SessionDraft>({
    connection: redis.connection('session'),
    keys: redis.keys,
    family: 'config-session',
    logger,
  });
  const drafts = new SessionDrafts(store, repository, writeBehind, configMetrics, {
    ttlSeconds: config.CONFIG_SESSION_TTL_SECONDS,
    touchIntervalMs: touchIntervalMs(config),
    snapshotMaxLagMs: config.CONFIG_SNAPSHOT_MAX_LAG_MS,
  });
  const catalog = new HttpCatalogClient({
    baseUrl: config.CONFIG_CATALOG_URL,
    timeoutMs: config.CONFIG_CATALOG_TIMEOUT_MS,
  });
  const offers = new OfferCatalog(
    new RedisOfferCache({
      connection: redis.connection('cache'),
      keys: redis.keys,
      nearCache: new OfferNearCache(
        config.CONFIG_OFFER_NEAR_CACHE_ENTRIES,
        config.CONFIG_OFFER_NEAR_CACHE_TTL_MS,
      ),
      ttlSeconds: config.CONFIG_OFFER_CACHE_TTL_SECONDS,
      logger,
    }),
    catalog,
  );
  const sessions = new ConfigSessions(store, drafts, writeBehind, repository, offers, catalog, base.relay);
  const rateLimit = new UpdateRateLimit(
    new RedisRateLimiter({
      connection: redis.connection('rate'),
      keys: redis.keys,
      policies: [configUpdatesPolicy(config.CONFIG_UPDATES_PER_MIN)],
      metrics,
      logger,
    }),
  );
  const jobs = base.jobRunner('config-purge-lease');
  const purge = async (ctx: JobContext) => {
    const purged = await purgeExpiredSnapshots(repository, ctx, {
      retentionHours: config.CONFIG_SNAPSHOT_RETENTION_HOURS,
    });
    if (purged > 0) logger.info({ purged }, 'expired draft snapshots purged');
    return purged;
  };
  const scheduled = config.CONFIG_PURGE
    ? jobs.schedule(
        SNAPSHOT_PURGE_JOB,
        { intervalMs: config.CONFIG_PURGE_INTERVAL_MS, ttlMs: PURGE_LEASE_TTL_MS },
        purge,
      )
    : undefined;

  // The outbox (and, unused here, inbox) retention purge: scheduled with the events, one instance at a time, its
  // deletes fenced in config.job_fences like the snapshot purge's.
  const purgeOldEvents = base.retainEvents(jobs);

  // Closing order (after the HTTP app has drained): the purge, then the snapshots still waiting (PostgreSQL is
  // closed after every owned part), then Redis and PostgreSQL.
  base.own(async () => scheduled?.stop());
  base.own(() => writeBehind.close());
  return {
    ...base.lifecycle(),
    config,
    sessions,
    configurations: new ConfigurationReader(repository),
    rateLimit,
    writeBehind,
    repository,
    jobs,
    purgeNow: async () => {
      const run = await jobs.runOnce(SNAPSHOT_PURGE_JOB, { ttlMs: PURGE_LEASE_TTL_MS }, purge);
      return run.ran ? run.value : undefined;
    },
    purgeOldEvents,
  };
}
