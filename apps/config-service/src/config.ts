import { baseServiceConfigSchema } from '@cpq/platform';
import { z } from 'zod';

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'], { message: 'expected on or off' })
    .default(fallback)
    .transform((v) => v === 'on');

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** config-service's environment: the platform's variables plus these. */
export const configConfigSchema = baseServiceConfigSchema.extend({
  PORT: z.string().default('3003').pipe(baseServiceConfigSchema.shape.PORT),
  /** catalog-service's base URL (offers are read from its API). @default http://127.0.0.1:3001 */
  CONFIG_CATALOG_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .default('http://127.0.0.1:3001'),
  /** Budget of one call to catalog-service, ms; past it the offer counts as unavailable. @default 1000 */
  CONFIG_CATALOG_TIMEOUT_MS: int(10, 30_000, 1_000),
  /** Lifetime of an inactive draft, seconds (sliding on every read and write). @default 1800 */
  CONFIG_SESSION_TTL_SECONDS: int(1, 1_800, 1_800),
  /**
   * Every acknowledged write reaches its PostgreSQL snapshot within this many ms (batched write-behind); 0 writes
   * the snapshot before answering. @default 2000
   */
  CONFIG_SNAPSHOT_MAX_LAG_MS: int(0, 60_000, 2_000),
  /** Sessions waiting in the write-behind at most; past it writes wait for their snapshot. @default 50000 */
  CONFIG_SNAPSHOT_MAX_PENDING: int(1, 1_000_000, 50_000),
  /** Snapshots of expired drafts are purged this long after the expiry. @default 168 */
  CONFIG_SNAPSHOT_RETENTION_HOURS: int(0, 100_000, 168),
  /** How often an instance tries to run the purge (one instance at a time runs it), ms. @default 600000 */
  CONFIG_PURGE_INTERVAL_MS: int(1_000, 86_400_000, 600_000),
  /** Run the purge job in this process. @default on */
  CONFIG_PURGE: onOff('on'),
  /** Selection updates per user per minute (`config-updates`, fail-open). @default 300 */
  CONFIG_UPDATES_PER_MIN: int(1, 10_000_000, 300),
  /** Lifetime of a cached catalog answer in Redis, seconds (family range 1 h..25 h). @default 86400 */
  CONFIG_OFFER_CACHE_TTL_SECONDS: int(3_600, 90_000, 86_400),
  /** Catalog answers held in process at most. @default 50000 */
  CONFIG_OFFER_NEAR_CACHE_ENTRIES: int(0, 1_000_000, 50_000),
  /** How long a catalog answer is held in process, ms (versions are immutable: only memory bounds it). @default 600000 */
  CONFIG_OFFER_NEAR_CACHE_TTL_MS: int(1, 86_400_000, 600_000),
  /** Run the outbox relay in this process. @default on */
  CONFIG_EVENTS: onOff('on'),
});

export type ConfigServiceConfig = z.infer<typeof configConfigSchema>;

/**
 * Reads refresh the snapshot's last activity at most once a minute per session, or four times per lifetime when
 * the lifetime is shorter than 4 minutes (so a shortened TTL still survives a Redis loss).
 */
export function touchIntervalMs(config: Pick<ConfigServiceConfig, 'CONFIG_SESSION_TTL_SECONDS'>): number {
  return Math.min(60_000, (config.CONFIG_SESSION_TTL_SECONDS * 1000) / 4);
}
