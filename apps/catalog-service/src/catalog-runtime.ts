import { TOPICS } from '@cpq/contracts';
import {
  ServiceFoundation,
  type ServiceLifecycle,
  type EventRetentionResult,
  type EventsLogger,
} from '@cpq/platform';
import {
  HotKeyTracker,
  leaseFillLock,
  NearCache,
  NearCacheInvalidationBus,
  RedisCacheAside,
  RedisDedupWindow,
  RedisLeaseManager,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import { CatalogKeys } from './application/catalog-keys';
import { CatalogPrewarmer } from './application/catalog-prewarmer';
import { CatalogPublisher } from './application/catalog-publisher';
import { CatalogReader } from './application/catalog-reader';
import type { CatalogRepository } from './application/catalog.repository';
import type { CatalogTables } from './adapters/catalog.tables';
import { KyselyCatalogRepository } from './adapters/kysely-catalog.repository';
import type { CatalogConfig } from './config';

export const SERVICE_NAME = 'catalog-service';

/** Everything catalog-service runs on, built once at start-up (the composition root) and closed in order. */
export interface CatalogRuntime extends ServiceLifecycle<CatalogTables> {
  readonly config: CatalogConfig;
  /** The PostgreSQL repository every reader and writer here shares. */
  readonly repository: CatalogRepository;
  readonly reader: CatalogReader;
  readonly publisher: CatalogPublisher;
  readonly prewarmer: CatalogPrewarmer;
  /** The most-read offers per version: sampled reads tallied here, sent every CATALOG_HOT_KEYS_FLUSH_MS. */
  readonly hotOffers: HotKeyTracker;
  /** The outbox and inbox retention purge, one run now (tests, operators); `undefined` when another instance has it. */
  purgeOldEvents(): Promise<EventRetentionResult | undefined>;
}

export async function openCatalogRuntime(
  config: CatalogConfig,
  registry: Registry,
  /** A pino logger (or anything with its info/warn/error/debug). */
  logger: EventsLogger & RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CatalogRuntime> {
  const base = await ServiceFoundation.open<CatalogTables>({
    service: SERVICE_NAME,
    schema: 'catalog',
    config,
    registry,
    logger,
    env,
    events: config.CATALOG_EVENTS,
  });
  const { redis, database } = base;
  const repository = new KyselyCatalogRepository(database.db as Kysely<CatalogTables>);
  const keys = new CatalogKeys(redis.keys);
  const bus = await NearCacheInvalidationBus.open(
    redis.connection('cache'),
    redis.keys.channel('catalog-near-cache-invalidation'),
    logger,
  );
  base.own(() => bus.close());
  const fillLeases = new RedisLeaseManager({
    connection: redis.connection('rate'),
    keys: redis.keys,
    family: 'catalog-fill-lease',
    logger,
  });
  const nearTtl = config.CATALOG_NEAR_CACHE_TTL_MS;
  const cacheOptions = {
    connection: redis.connection('cache'),
    logger,
    invalidationBus: bus,
    fillLock: leaseFillLock(fillLeases),
  };
  const pointerCache = new RedisCacheAside({
    ...cacheOptions,
    nearCache: new NearCache({ maxEntries: 10_000, ttlMs: nearTtl }),
  });
  const offerCache = new RedisCacheAside({
    ...cacheOptions,
    ...(config.CATALOG_OFFER_NEAR_CACHE
      ? { nearCache: new NearCache({ maxEntries: 50_000, ttlMs: nearTtl }) }
      : {}),
  });
  const hotOffers = new HotKeyTracker({
    connection: redis.connection('cache'),
    sampleRate: config.CATALOG_HOT_SAMPLE_RATE,
    flushIntervalMs: config.CATALOG_HOT_KEYS_FLUSH_MS,
  });
  // Sampled reads are tallied in process and sent once per interval (a tenant's previous version also when the
  // tenant publishes, below).
  if (config.CATALOG_CACHE) hotOffers.start();
  base.own(() => hotOffers.stop());
  const caches = config.CATALOG_CACHE ? { pointer: pointerCache, offers: offerCache } : {};
  const reader = new CatalogReader(repository, keys, caches, hotOffers);
  const prewarmer = new CatalogPrewarmer(
    repository,
    keys,
    offerCache,
    hotOffers,
    new RedisLeaseManager({
      connection: redis.connection('rate'),
      keys: redis.keys,
      family: 'catalog-prewarm-lease',
      logger,
    }),
    { topOffers: config.CATALOG_PREWARM_TOP },
  );
  const publisher = new CatalogPublisher(repository, reader, base.relay);

  // Every instance drops its current-version pointer on a publish (no inbox: the handler is idempotent), and sends
  // the reads it has tallied of the tenant's previous version, so the instance that pre-warms sees the most recent
  // ones too. Only those: other tallies wait for their interval (a publish of one tenant is no reason for every
  // instance to send every tenant's reads).
  base.consumer('pointer-invalidation', {
    mode: 'broadcast',
    topics: [TOPICS.catalogPublished],
    handle: async (event) => {
      const previous = event.eventType === TOPICS.catalogPublished ? event.payload.catalogVersion - 1 : 0;
      await Promise.all([
        reader.currentChanged(event.tenantId),
        previous >= 1 ? hotOffers.flush([keys.hotOffers(event.tenantId, previous)]) : undefined,
      ]);
    },
  });
  // One instance per event pre-warms the new version (inbox-deduplicated, Redis dedup as a pre-check).
  base.consumer('prewarm', {
    topics: [TOPICS.catalogPublished],
    dedup: new RedisDedupWindow({
      connection: redis.connection('session'),
      keys: redis.keys,
      family: 'catalog-event-dedup',
      logger,
    }),
    handle: async (event) => {
      if (event.eventType !== TOPICS.catalogPublished) return;
      await prewarmer.prewarm(event.tenantId, event.payload.catalogVersion);
    },
  });

  // The outbox and inbox retention purge: every instance schedules it (with the events), one runs it at a time, its
  // deletes fenced in catalog.job_fences.
  const purgeOldEvents = base.retainEvents(base.jobRunner('catalog-job-lease'));

  return {
    ...base.lifecycle(),
    config,
    repository,
    reader,
    publisher,
    prewarmer,
    hotOffers,
    purgeOldEvents,
  };
}
