import { baseServiceConfigSchema, TENANT_ID_PATTERN } from '@cpq/platform';
import { z } from 'zod';

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'], { message: 'expected on or off' })
    .default(fallback)
    .transform((v) => v === 'on');

const perMinute = z.coerce.number().int().min(1).max(10_000_000);

/** `{"<tenantId>": {"tenantPerMin"?: n, "userPerMin"?: n}}`: limits of tenants that do not use the defaults. */
const tenantLimitsSchema = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(TENANT_ID_PATTERN, 'not a tenant id'),
      z.strictObject({ tenantPerMin: perMinute.optional(), userPerMin: perMinute.optional() }),
    ),
  );

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
  PRICING_TENANT_LIMIT_PER_MIN: perMinute.default(10_000),
  /** Calculations per user per minute (fixed window). @default 300 */
  PRICING_USER_LIMIT_PER_MIN: perMinute.default(300),
  /**
   * Per-tenant limits overriding the two above, as JSON, e.g. `{"acme":{"tenantPerMin":50000,"userPerMin":1000}}`.
   * @default {}
   */
  PRICING_TENANT_LIMITS: tenantLimitsSchema,
  /** How long an offer's catalog status is answered from process memory, ms (hints drop it sooner). @default 5000 */
  PRICING_OFFER_STATUS_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** How often each instance sends its tally of calculated requests (pre-warm input) to Redis, ms. @default 5000 */
  PRICING_HOT_KEYS_FLUSH_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** Most-calculated requests of the previous version a publish pre-warms. @default 200 */
  PRICING_PREWARM_TOP: z.coerce.number().int().min(0).max(10_000).default(200),
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
