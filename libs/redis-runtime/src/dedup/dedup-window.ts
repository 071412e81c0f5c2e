import type { KeySegment } from '../keys/key-segment';

/**
 * A short-term "seen before?" pre-check for high-volume, non-critical flows. It is a speed layer only: the
 * durable PostgreSQL inbox remains the correctness layer for anything that matters.
 */
export interface DedupWindow {
  /**
   * `true` the first time `id` is seen within the window, `false` for a repeat. `'unknown'` when Redis failed:
   * callers treat it as "not a duplicate" and let the durable inbox decide. `'unknown'` is truthy on purpose,
   * so `if (await dedup.firstSeen(tenant, id)) process()` does the right thing.
   */
  firstSeen(tenant: string, ...id: KeySegment[]): Promise<boolean | 'unknown'>;
}
