import { z } from 'zod';

const KEY_SEGMENT = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Numbers come from strings; anything that is not a whole number is named as such. */
const port = z
  .string()
  .regex(/^\d+$/, { message: 'expected a number' })
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(0, { message: 'expected a port 0..65535' })
      .max(65535, { message: 'expected a port 0..65535' }),
  );

/** `a:1,b:2` → `['a:1', 'b:2']`, blanks dropped. */
const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string()).min(1, { message: 'expected at least one entry' }));

/**
 * The variables every service reads. Apps `.extend()` it with their own; defaults live here only.
 */
export const baseServiceConfigSchema = z.object({
  /** The `<env>` segment of every Redis key. @default 'dev' */
  APP_ENV: z
    .string()
    .regex(KEY_SEGMENT, { message: 'expected a key segment (lower-case letters, digits, _ or -)' })
    .default('dev'),
  /** @default '127.0.0.1' */
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port,
  /** @default 'info' */
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  /** HS256 key of the bearer tokens; required, at least 32 characters. */
  AUTH_JWT_SECRET: z.string().min(32, { message: 'expected at least 32 characters' }),
  /** @default 'postgres://postgres@127.0.0.1:5432/cpq' */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// URL' })
    .default('postgres://postgres@127.0.0.1:5432/cpq'),
  /** Connections each instance keeps to PostgreSQL at most. @default 10 */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * Longest wait for a connection (a free one from the pool, or a new one, which a hung server accepts and never
   * answers), ms; then 503. @default 5000
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * Longest a statement runs, ms: the server cancels it then (`statement_timeout`); a server that does not answer at
   * all (hung) is given 1 s more, then the connection is dropped (client-side). Either way 503. @default 5000
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /**
   * `application_name` of the service's PostgreSQL connections (what `pg_stat_activity` shows): set it per instance
   * (pod name) to tell the instances of one service apart. @default the service's name
   */
  DATABASE_APPLICATION_NAME: z
    .string()
    .regex(/^[\x20-\x7e]{1,63}$/, 'printable ASCII, at most 63 characters (PostgreSQL truncates longer names)')
    .optional(),
  /** Published outbox rows are deleted this long after their publication, hours. @default 168 (7 days) */
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(8760).default(168),
  /**
   * Inbox rows are deleted this long after their event was handled, hours: keep it longer than the topics'
   * retention (a group reset to the earliest offset replays what a topic still holds, and only the inbox row makes
   * that replay harmless). @default 336 (14 days: twice Kafka's default 7)
   */
  INBOX_RETENTION_HOURS: z.coerce.number().int().min(24).max(8760).default(336),
  /** How often an instance tries the outbox and inbox purge (one instance at a time runs it), ms. @default 600000 */
  EVENT_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  /** Rows per purge transaction. @default 1000 */
  EVENT_RETENTION_BATCH: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Rows one purge run deletes per table at most (the rest waits for the next run). @default 100000 */
  EVENT_RETENTION_MAX_ROWS: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /** Comma-separated `host:port` list. @default ['127.0.0.1:9092'] */
  KAFKA_BROKERS: commaList.default(['127.0.0.1:9092']),
});

export type BaseServiceConfig = z.infer<typeof baseServiceConfigSchema>;
