import type { JobContext } from '@cpq/platform';
import type { KyselyConfigRepository } from './kysely-config.repository';

export const SNAPSHOT_PURGE_JOB = 'config-snapshot-purge';

export interface SnapshotPurgeOptions {
  /** Snapshots of drafts expired longer ago than this are deleted. */
  retentionHours: number;
  /** Rows per delete (one transaction each). @default 1000 */
  batchSize?: number;
}

/**
 * The retention purge of expired drafts' snapshots, run by one instance at a time (`FencedJobRunner`). Each batch is
 * one transaction that claims the job's fencing token and deletes with the fence in its WHERE: a holder that paused
 * past its lease deletes nothing once a newer holder has claimed the job. FINALIZED snapshots are kept.
 */
export async function purgeExpiredSnapshots(
  repository: KyselyConfigRepository,
  ctx: JobContext,
  options: SnapshotPurgeOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  let purged = 0;
  while (!ctx.signal.aborted) {
    const deleted = await ctx.transaction((trx) =>
      repository.purgeExpiredDrafts(trx, options.retentionHours, ctx.holdsFence, batchSize),
    );
    purged += deleted;
    if (deleted < batchSize) break;
  }
  return purged;
}
