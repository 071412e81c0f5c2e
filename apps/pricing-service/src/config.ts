import { baseServiceConfigSchema } from '@cpq/platform';
import { z } from 'zod';

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'], { message: 'expected on or off' })
    .default(fallback)
    .transform((v) => v === 'on');

/** pricing-service's environment: the platform's variables plus these. */
export const pricingConfigSchema = baseServiceConfigSchema.extend({
  PORT: z.string().default('3002').pipe(baseServiceConfigSchema.shape.PORT),
  /** Redis price cache and pointer cache; `off` computes from PostgreSQL every time. @default on */
  PRICING_CACHE: onOff('on'),
  /** Lifetime of a cached price before jitter, seconds (family range 5..35 min). @default 900 */
  PRICING_PRICE_TTL_SECONDS: z.coerce.number().int().min(300).max(1800).default(900),
  /** Near-cache lifetime of the current price book pointer, ms. @default 2000 */
  PRICING_NEAR_CACHE_TTL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** Calculations per tenant per minute (fixed window). @default 10000 */
  PRICING_TENANT_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  /** Calculations per user per minute (fixed window). @default 300 */
  PRICING_USER_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(10_000_000).default(300),
  /** Fail-closed insurance: requests per subject and process while Redis is unavailable. @default 20 */
  PRICING_RATE_INSURANCE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(20),
  /** Window of that insurance budget, seconds. @default 10 */
  PRICING_RATE_INSURANCE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Run the outbox relay and the Kafka consumers in this process. @default on */
  PRICING_EVENTS: onOff('on'),
  /**
   * A new offer-status consumer group replays the catalog topic from its start, so a projection built after
   * catalogs were published still learns them (the inbox and the version check make replays harmless). @default on
   */
  PRICING_PROJECTION_REPLAY: onOff('on'),
});

export type PricingConfig = z.infer<typeof pricingConfigSchema>;
