import type { LeaseManager } from '../lease/lease-manager';
import type { FillLock } from './cache-aside';

/** A `FillLock` on a `LeaseManager` (whose family names the lease keys, e.g. `catalog-fill-lease`). */
export function leaseFillLock(leases: LeaseManager): FillLock {
  return {
    async tryAcquire(tenant, id, ttlMs) {
      const result = await leases.acquire({ tenant, id }, { ttlMs });
      if (!result.acquired) return undefined;
      const { lease } = result;
      return { release: () => leases.release(lease) };
    },
  };
}
