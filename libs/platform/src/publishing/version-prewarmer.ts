import { tryWithLease, type HotKeyTracker, type LeaseManager, type RedisKey } from '@cpq/redis-runtime';

export interface VersionPrewarmerOptions {
  /** Leases of the service's pre-warm family, e.g. a `RedisLeaseManager` over `catalog-prewarm-lease`. */
  leases: LeaseManager;
  /** Where the service counts what is read (its `HotKeyTracker`). */
  hotKeys: Pick<HotKeyTracker, 'top'>;
  /** The hot set of one version of a tenant's documents. */
  hotSetOf(tenantId: string, version: number): RedisKey;
  /** How many of the previous version's hottest members are warmed. */
  top: number;
  /** @default 30_000 */
  leaseTtlMs?: number;
  /**
   * Writes the new version's cache entries for `hot` (the previous version's hottest members, hottest first) and
   * returns how many it wrote. `signal` aborts when the lease is lost: stop then, another instance may be at it.
   */
  warm(tenantId: string, version: number, hot: string[], signal: AbortSignal): Promise<number>;
}

/**
 * Pre-warm on publish: when version N of a tenant's documents is published, what was read most in version N-1 is
 * written into version N's cache keys, so the first readers of N hit. A lease per tenant and version makes one
 * instance do it (the others get 0); when the lease is taken, Redis fails or nothing was hot, readers simply
 * fill the cache themselves. Errors of `warm` itself propagate.
 */
export class VersionPrewarmer {
  constructor(private readonly options: VersionPrewarmerOptions) {}

  /** How many entries were written (0 for a first version, without the lease, or with nothing hot). */
  async prewarm(tenantId: string, version: number): Promise<number> {
    if (version <= 1) return 0;
    const { leases, hotKeys, hotSetOf, top, leaseTtlMs = 30_000, warm } = this.options;
    const written = await tryWithLease(
      leases,
      { tenant: tenantId, id: `v${version}` },
      { ttlMs: leaseTtlMs },
      async (_lease, signal) => {
        const hot = await hotKeys.top(hotSetOf(tenantId, version - 1), top);
        return hot.length === 0 ? 0 : warm(tenantId, version, hot, signal);
      },
    );
    return written ?? 0;
  }
}
