import { TOPICS } from '@cpq/contracts';
import {
  ServiceFoundation,
  type ServiceLifecycle,
  type EventRetentionResult,
  type EventsLogger,
} from '@cpq/platform';
import {
  HotKeyTracker,
  NearCache,
  NearCacheInvalidationBus,
  RedisCacheAside,
  RedisDedupWindow,
  RedisLeaseManager,
  RedisRateLimiter,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import { OfferStatuses } from './application/offer-statuses';
import { PriceBookPublisher } from './application/price-book-publisher';
import { PriceCalculator } from './application/price-calculator.service';
import { PricePrewarmer } from './application/price-prewarmer';
import {
  pricingRateLimitPolicies,
  PricingRateLimiters,
  type PricingLimits,
} from './application/price-rate-limit';
import { PricingKeys } from './application/pricing-keys';
import type { PricingRepository } from './application/pricing.repository';
import { KyselyPricingRepository } from './adapters/kysely-pricing.repository';
import { projectCatalogPublished } from './adapters/offer-status-projection';
import type { PricingTables } from './adapters/pricing.tables';
import type { PricingConfig } from './config';

export const SERVICE_NAME = 'pricing-service';

/** Everything pricing-service runs on, built once at start-up (the composition root) and closed in order. */
export interface PricingRuntime extends ServiceLifecycle<PricingTables> {
  readonly config: PricingConfig;
  /** The PostgreSQL repository every reader and writer here shares. */
  readonly repository: PricingRepository;
  readonly calculator: PriceCalculator;
  readonly publisher: PriceBookPublisher;
  readonly offerStatuses: OfferStatuses;
  readonly prewarmer: PricePrewarmer;
  readonly hotPrices: HotKeyTracker;
  /** The limiter of tenants on the default limits (its `keyOf` names any tenant's counters). */
  readonly limiter: RedisRateLimiter;
  /** The limiter each tenant's calculations go through. */
  readonly rateLimits: PricingRateLimiters;
  readonly keys: PricingKeys;
  /** Starts the relay and the consumers (resolves once the consumer groups are joined). */
  /** The outbox and inbox retention purge, one run now (tests, operators); `undefined` when another instance has it. */
  purgeOldEvents(): Promise<EventRetentionResult | undefined>;
}

export async function openPricingRuntime(
  config: PricingConfig,
  registry: Registry,
  logger: EventsLogger & RuntimeLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PricingRuntime> {
  const base = await ServiceFoundation.open<PricingTables>({
    service: SERVICE_NAME,
    schema: 'pricing',
    config,
    registry,
    logger,
    env,
    events: config.PRICING_EVENTS,
  });
  const { metrics, redis, database } = base;
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
  const entryCache = new RedisCacheAside({ connection: redis.connection('cache'), logger });
  const hotPrices = new HotKeyTracker({
    connection: redis.connection('cache'),
    flushIntervalMs: config.PRICING_HOT_KEYS_FLUSH_MS,
  });
  const offerStatuses = new OfferStatuses(repository, bus, {
    enabled: config.PRICING_CACHE,
    ttlMs: config.PRICING_OFFER_STATUS_TTL_MS,
  });
  const calculator = new PriceCalculator(
    repository,
    offerStatuses,
    keys,
    config.PRICING_CACHE ? { pointer: pointerCache, prices: priceCache, entries: entryCache, hotPrices } : {},
    { priceTtlSeconds: config.PRICING_PRICE_TTL_SECONDS },
  );
  const prewarmer = new PricePrewarmer(
    calculator,
    keys,
    hotPrices,
    new RedisLeaseManager({
      connection: redis.connection('rate'),
      keys: redis.keys,
      family: 'pricing-prewarm-lease',
      logger,
    }),
    { topRequests: config.PRICING_PREWARM_TOP },
  );
  const limiterWith = (limits: PricingLimits) =>
    new RedisRateLimiter({
      connection: redis.connection('rate'),
      keys: redis.keys,
      policies: pricingRateLimitPolicies({
        ...limits,
        insurance: {
          limit: config.PRICING_RATE_INSURANCE_LIMIT,
          windowSeconds: config.PRICING_RATE_INSURANCE_WINDOW_SECONDS,
        },
      }),
      metrics,
      logger,
    });
  const defaults = {
    tenantLimitPerMinute: config.PRICING_TENANT_LIMIT_PER_MIN,
    userLimitPerMinute: config.PRICING_USER_LIMIT_PER_MIN,
  };
  const limiter = limiterWith(defaults);
  const rateLimits = new PricingRateLimiters(
    limiter,
    new Map(
      Object.entries(config.PRICING_TENANT_LIMITS).map(([tenantId, limits]) => [
        tenantId,
        limiterWith({
          tenantLimitPerMinute: limits.tenantPerMin ?? defaults.tenantLimitPerMinute,
          userLimitPerMinute: limits.userPerMin ?? defaults.userLimitPerMinute,
        }),
      ]),
    ),
  );

  const publisher = new PriceBookPublisher(repository, calculator, base.relay);
  // Every instance drops its current price book pointer on a publish (no inbox: the handler is idempotent).
  base.consumer('pointer-invalidation', {
    mode: 'broadcast',
    topics: [TOPICS.pricebookPublished],
    handle: async (event) => calculator.currentChanged(event.tenantId),
  });
  // Both inbox consumers' Redis pre-check (keyed by consumer group and event id).
  const dedup = new RedisDedupWindow({
    connection: redis.connection('session'),
    keys: redis.keys,
    family: 'pricing-event-dedup',
    logger,
  });
  // One instance per event pre-warms the new version's hottest prices (inbox-deduplicated; a lease as well, so a
  // rebalance that hands the event to a second instance mid-way does not run it twice at once).
  base.consumer('prewarm', {
    topics: [TOPICS.pricebookPublished],
    dedup,
    handle: async (event) => {
      if (event.eventType !== TOPICS.pricebookPublished) return;
      if (!config.PRICING_CACHE) return;
      await prewarmer.prewarm(event.tenantId, event.payload.priceBookVersion);
    },
  });
  // One instance per event keeps the catalog projection (inbox-deduplicated, Redis dedup as a pre-check); after
  // the commit it drops the tenant's offer statuses on every instance.
  base.consumer('offer-status', {
    topics: [TOPICS.catalogPublished],
    fromBeginning: config.PRICING_PROJECTION_REPLAY,
    dedup,
    handle: async (event, { trx }) => {
      if (event.eventType !== TOPICS.catalogPublished) return;
      await projectCatalogPublished(trx, event.tenantId, event.payload);
    },
    afterCommit: async (event) => offerStatuses.changed(event.tenantId),
  });

  // The outbox and inbox retention purge: every instance schedules it (with the events), one runs it at a time, its
  // deletes fenced in pricing.job_fences.
  const purgeOldEvents = base.retainEvents(base.jobRunner('pricing-job-lease'));

  if (config.PRICING_CACHE) hotPrices.start();
  // The tracker's last flush still needs Redis; the bus after it.
  base.own(() => hotPrices.stop());
  base.own(() => bus.close());
  return {
    ...base.lifecycle(),
    config,
    repository,
    calculator,
    publisher,
    offerStatuses,
    prewarmer,
    hotPrices,
    limiter,
    rateLimits,
    keys,
    purgeOldEvents,
  };
}
