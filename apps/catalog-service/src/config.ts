import { baseServiceConfigSchema } from '@cpq/platform';
import { z } from 'zod';

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'], { message: 'expected on or off' })
    .default(fallback)
    .transform((v) => v === 'on');

/** catalog-service's environment: the platform's variables plus these. */
export const catalogConfigSchema = baseServiceConfigSchema.extend({
  PORT: z.string().default('3001').pipe(baseServiceConfigSchema.shape.PORT),
  /** Redis cache-aside for reads; `off` reads PostgreSQL every time (benchmark baseline). @default on */
  CATALOG_CACHE: onOff('on'),
  /** In-process near-cache in front of Redis for offers (the current-version pointer always has one). @default off */
  CATALOG_OFFER_NEAR_CACHE: onOff('off'),
  /** Near-cache entry lifetime, ms: bounds staleness if an invalidation hint is lost. @default 2000 */
  CATALOG_NEAR_CACHE_TTL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** Share of offer reads sampled into the hot-offer set that pre-warm uses. @default 0.03125 */
  CATALOG_HOT_SAMPLE_RATE: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1 / 32),
  /** How often the sampled reads tallied in process are sent to the hot-offer set, ms. @default 1000 */
  CATALOG_HOT_KEYS_FLUSH_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** Most-read offers of the previous version pre-warmed on publish. @default 100 */
  CATALOG_PREWARM_TOP: z.coerce.number().int().min(0).max(1000).default(100),
  /** Run the outbox relay and the Kafka consumers in this process. @default on */
  CATALOG_EVENTS: onOff('on'),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
