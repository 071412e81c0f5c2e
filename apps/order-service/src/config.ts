import { baseServiceConfigSchema } from '@cpq/platform';
import { z } from 'zod';

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off'], { message: 'expected on or off' })
    .default(fallback)
    .transform((v) => v === 'on');

/** order-service's environment: the platform's variables plus these. */
export const orderConfigSchema = baseServiceConfigSchema.extend({
  PORT: z.string().default('3004').pipe(baseServiceConfigSchema.shape.PORT),
  /** Redis cache of `GET /orders/{id}`; `off` reads PostgreSQL every time. @default on */
  ORDER_VIEW_CACHE: onOff('on'),
  /** Lifetime of a cached order view before jitter, seconds (family range 1 min..65 min). @default 900 */
  ORDER_VIEW_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Capture attempts per API client (JWT `azp`, else `sub`) per minute, fail-open. @default 1000 */
  ORDER_CAPTURE_LIMIT_PER_MIN: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  /** Longest wait for an attempt holding the same Idempotency-Key before answering 409, ms. @default 5000 */
  ORDER_IDEMPOTENCY_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(5_000),
  /** How long an Idempotency-Key is remembered, hours. @default 24 */
  ORDER_IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(24).default(24),
  /** How often one instance purges idempotency records past their retention, ms. @default 600000 */
  ORDER_RETENTION_PURGE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  /** Records deleted per purge transaction. @default 1000 */
  ORDER_RETENTION_PURGE_BATCH: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Run the outbox relay, the Kafka consumers and the purge job in this process. @default on */
  ORDER_EVENTS: onOff('on'),
  /**
   * A new configuration-projection consumer group reads cpq.config.finalized.v1 from its start, so configurations
   * finalized before order-service first ran are known (the inbox makes replays harmless). @default on
   */
  ORDER_PROJECTION_REPLAY: onOff('on'),
});

export type OrderConfig = z.infer<typeof orderConfigSchema>;
