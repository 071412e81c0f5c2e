import { TOPICS } from '@cpq/contracts';
import {
  createDatabase,
  KafkaEventConsumer,
  OutboxRelay,
  type Database,
  type EventsLogger,
} from '@cpq/platform';
import {
  NearCache,
  NearCacheInvalidationBus,
  RedisCacheAside,
  RedisDedupWindow,
  RedisRateLimiter,
  RedisRuntime,
  RuntimeMetrics,
  redisConfigFromEnv,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { projectCatalogPublished } from './application/offer-status-projector';
import { PriceBookPublisher } from './application/price-book-publisher';
import { PriceCalculator } from './application/price-calculator.service';
import { pricingRateLimitPolicies } from './application/price-rate-limit';
import { PricingKeys } from './application/pricing-keys';
import { KyselyPricingRepository } from './adapters/kysely-pricing.repository';
import type { PricingTables } from './adapters/pricing.tables';
import type { PricingConfig } from './config';

export const SERVICE_NAME = 'pricing-service';

/** Everything pricing-service runs on, built once at start-up (the composition root) and closed in order. */
export interface PricingRuntime {
  readonly config: PricingConfig;
  readonly redis: RedisRuntime;
  readonly database: Database<PricingTables>;
  readonly calculator: PriceCalculator;
  readonly publisher: PriceBookPublisher;
  readonly limiter: RedisRateLimiter;
  readonly keys: PricingKeys;
  /** Starts the relay and the consumers (resolves once the consumer groups are joined). */
  startEvents(): Promise<void>;
  /** Registers something to close first when the runtime closes. */
  onClose(close: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function openPricingRuntime(
  config: PricingConfig,
  registry: Registry,
  logger: EventsLogger & RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PricingRuntime> {
  const metrics = new RuntimeMetrics({ registry });
  const redis = await RedisRuntime.open({
    config: redisConfigFromEnv(env),
    env: config.APP_ENV,
    metrics,
    logger,
    name: SERVICE_NAME,
  });
  const database = createDatabase<PricingTables>({ url: config.DATABASE_URL, applicationName: SERVICE_NAME });
  const repository = new KyselyPricingRepository(database.db as Kysely<PricingTables>);
  const keys = new PricingKeys(redis.keys);
  const bus = await NearCacheInvalidationBus.open(
    redis.connection('cache'),
    redis.keys.channel('pricing-near-cache-invalidation'),
    logger,
  );
  const pointerCache = new RedisCacheAside({
    connection: redis.connection('cache'),
    logger,
    invalidationBus: bus,
    nearCache: new NearCache({ maxEntries: 10_000, ttlMs: config.PRICING_NEAR_CACHE_TTL_MS }),
  });
  const priceCache = new RedisCacheAside({ connection: redis.connection('cache'), logger });
  const calculator = new PriceCalculator(
    repository,
    keys,
    config.PRICING_CACHE ? { pointer: pointerCache, prices: priceCache } : {},
    { priceTtlSeconds: config.PRICING_PRICE_TTL_SECONDS },
  );
  const limiter = new RedisRateLimiter({
    connection: redis.connection('rate'),
    keys: redis.keys,
    policies: pricingRateLimitPolicies({
      tenantLimitPerMinute: config.PRICING_TENANT_LIMIT_PER_MIN,
      userLimitPerMinute: config.PRICING_USER_LIMIT_PER_MIN,
      insurance: {
        limit: config.PRICING_RATE_INSURANCE_LIMIT,
        windowSeconds: config.PRICING_RATE_INSURANCE_WINDOW_SECONDS,
      },
    }),
    metrics,
    logger,
  });

  const kafka = { brokers: config.KAFKA_BROKERS, clientId: SERVICE_NAME };
  const relay = new OutboxRelay({ db: database.db, schema: 'pricing', kafka, logger });
  const publisher = new PriceBookPublisher(repository, calculator, relay);
  // Every instance drops its current price book pointer on a publish (no inbox: the handler is idempotent).
  const invalidation = new KafkaEventConsumer({
    mode: 'broadcast',
    kafka,
    groupId: `${SERVICE_NAME}-pointer-invalidation.${config.APP_ENV}`,
    topics: [TOPICS.pricebookPublished],
    logger,
    handle: async (event) => calculator.currentChanged(event.tenantId),
  });
  // One instance per event keeps the catalog projection (inbox-deduplicated, Redis dedup as a pre-check).
  const offerStatus = new KafkaEventConsumer({
    kafka,
    // Scoped by APP_ENV: environments sharing a broker must not split one group's events between them.
    groupId: `${SERVICE_NAME}-offer-status.${config.APP_ENV}`,
    topics: [TOPICS.catalogPublished],
    fromBeginning: config.PRICING_PROJECTION_REPLAY,
    db: database.db,
    schema: 'pricing',
    dedup: new RedisDedupWindow({
      connection: redis.connection('session'),
      keys: redis.keys,
      family: 'pricing-event-dedup',
      logger,
    }),
    logger,
    handle: async (event, { trx }) => {
      if (event.eventType !== TOPICS.catalogPublished) return;
      await projectCatalogPublished(trx, event.tenantId, event.payload);
    },
  });

  let eventsStarted = false;
  const closers: (() => Promise<void>)[] = [];
  return {
    config,
    redis,
    database,
    calculator,
    publisher,
    limiter,
    keys,
    async startEvents() {
      if (!config.PRICING_EVENTS || eventsStarted) return;
      eventsStarted = true;
      relay.start();
      await Promise.all([invalidation.start(), offerStatus.start()]);
    },
    onClose(close) {
      closers.push(close);
    },
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
      await Promise.allSettled([invalidation.stop(), offerStatus.stop()]);
      await relay.stop();
      await bus.close();
      await redis.close();
      await database.close();
    },
  };
}
