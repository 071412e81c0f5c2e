import { sql, type RawBuilder } from 'kysely';
import { assertSchemaName } from '../database/schema-name';
import type { JobContext } from '../jobs/fenced-job-runner';

/** The job name of the outbox and inbox retention purge (`FencedJobRunner`, one fence row per schema). */
export const EVENT_RETENTION_JOB = 'event-retention';

export interface EventRetentionOptions {
  /** The schema holding the `outbox` and `inbox` tables (and `job_fences`). */
  schema: string;
  /** Published outbox rows older than this (by `published_at`) are deleted; pending rows never are. */
  outboxRetentionHours: number;
  /**
   * Inbox rows older than this (by `received_at`) are deleted. Must be longer than any event can be delivered again:
   * the topics' retention (`retention.ms`), since a consumer group reset to the earliest offset replays whatever the
   * topic still holds.
   */
  inboxRetentionHours: number;
  /** Rows per DELETE, each its own fenced transaction. @default 1000 */
  batchSize?: number;
  /** Rows deleted per table in one run at most; the rest waits for the next run. @default 100000 */
  maxRowsPerRun?: number;
}

export interface EventRetentionResult {
  /** Published outbox rows deleted. */
  outbox: number;
  /** Inbox rows deleted. */
  inbox: number;
  /** A table still held rows past their retention when the run stopped (its bound, or the signal). */
  more: boolean;
}

/**
 * The retention purge of one schema's `outbox` and `inbox`, as the work of a `FencedJobRunner` job: deletes published
 * outbox rows and inbox rows past their retention in batches, each batch one `ctx.transaction` whose DELETE carries
 * `ctx.holdsFence` in its WHERE (a holder that paused past its lease while a newer run took over deletes nothing),
 * at most `maxRowsPerRun` rows per table per run, stopping early when `ctx.signal` aborts.
 *
 * Rows are picked by the indexes `outbox_published_idx` and `inbox_received_idx` (the schemas' migrations) and
 * deleted by primary key.
 */
export async function purgeEventTables(
  ctx: JobContext,
  options: EventRetentionOptions,
): Promise<EventRetentionResult> {
  const schema = assertSchemaName(options.schema);
  const batchSize = positive(options.batchSize ?? 1000, 'batchSize');
  const maxRows = positive(options.maxRowsPerRun ?? 100_000, 'maxRowsPerRun');
  const outboxAge = sql`now() - ${positive(options.outboxRetentionHours, 'outboxRetentionHours')} * interval '1 hour'`;
  const inboxAge = sql`now() - ${positive(options.inboxRetentionHours, 'inboxRetentionHours')} * interval '1 hour'`;
  const outbox = sql.raw(`${schema}.outbox`);
  const inbox = sql.raw(`${schema}.inbox`);

  const outboxRun = await inBatches(
    ctx,
    batchSize,
    maxRows,
    (limit) =>
      sql`delete from ${outbox} where event_id in (
          select event_id from ${outbox}
          where published_at is not null and published_at < ${outboxAge}
          limit ${limit})
        and ${ctx.holdsFence}`,
  );
  const inboxRun = await inBatches(
    ctx,
    batchSize,
    maxRows,
    (limit) =>
      sql`delete from ${inbox} where (consumer_group, event_id) in (
          select consumer_group, event_id from ${inbox}
          where received_at < ${inboxAge}
          limit ${limit})
        and ${ctx.holdsFence}`,
  );
  return { outbox: outboxRun.deleted, inbox: inboxRun.deleted, more: outboxRun.more || inboxRun.more };
}

/** Runs `statement(limit)` in fenced transactions until a batch comes back short, the bound is reached or the signal aborts. */
async function inBatches(
  ctx: JobContext,
  batchSize: number,
  maxRows: number,
  statement: (limit: number) => RawBuilder<unknown>,
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  while (deleted < maxRows) {
    if (ctx.signal.aborted) return { deleted, more: true };
    const limit = Math.min(batchSize, maxRows - deleted);
    const result = await ctx.transaction((trx) => statement(limit).execute(trx));
    const batch = Number(result.numAffectedRows ?? 0n);
    deleted += batch;
    if (batch < limit) return { deleted, more: false };
  }
  return { deleted, more: true };
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`purgeEventTables: ${name} must be positive`);
  return value;
}
