import type { JobContext } from '@cpq/platform';
import { sql } from 'kysely';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-purge';

/**
 * The retention purge of `ordering.idempotency_keys` (a `FencedJobRunner` job): deletes records past their 24 h in
 * batches, each batch one fenced transaction whose DELETE also checks the fence, so a holder that paused past its
 * lease while another run took over deletes nothing. Returns how many records it deleted.
 */
export async function purgeExpiredIdempotencyKeys(
  context: JobContext,
  options: { batchSize: number },
): Promise<number> {
  let total = 0;
  while (!context.signal.aborted) {
    const deleted = await context.transaction(async (trx) => {
      const result = await sql`
        delete from ordering.idempotency_keys
        where ctid in (
            select ctid from ordering.idempotency_keys where expires_at <= now() limit ${options.batchSize})
          -- checked again on the row as it is now: a key a request just took over is live again
          and expires_at <= now()
          and ${context.holdsFence}`.execute(trx);
      return Number(result.numAffectedRows ?? 0);
    });
    total += deleted;
    if (deleted < options.batchSize) break;
  }
  return total;
}
