import {
  KeyFactory,
  LeaseContendedError,
  platformKeyFamilyRegistry,
  RedisUnavailableError,
  type LeaseManager,
  type LeaseResource,
} from '@cpq/redis-runtime';
import { describe, expect, it } from 'vitest';
import { VersionPrewarmer, type VersionPrewarmerOptions } from './version-prewarmer';

const keys = new KeyFactory(platformKeyFamilyRegistry(), 'test');

/** A lease manager that grants (and records) leases, or refuses with `refusal`. */
function leasesThat(refusal?: Error) {
  const granted: { resource: LeaseResource; ttlMs: number | undefined }[] = [];
  const controller = new AbortController();
  const leases = {
    withLease: async (resource, options, work) => {
      if (refusal) throw refusal;
      granted.push({ resource, ttlMs: options.ttlMs });
      return work({} as never, controller.signal);
    },
  } as Pick<LeaseManager, 'withLease'> as LeaseManager;
  return { leases, granted, loseLease: () => controller.abort() };
}

function prewarmer(overrides: Partial<VersionPrewarmerOptions> = {}) {
  const reads: { set: string; limit: number }[] = [];
  const warmed: { tenantId: string; version: number; hot: string[] }[] = [];
  const prewarmer = new VersionPrewarmer({
    leases: leasesThat().leases,
    hotKeys: {
      top: async (set, limit) => {
        reads.push({ set: set.key, limit });
        return ['a', 'b'];
      },
    },
    hotSetOf: (tenantId, version) => keys.key('catalog-hot-offers', tenantId, `v${version}`),
    top: 50,
    warm: async (tenantId, version, hot) => {
      warmed.push({ tenantId, version, hot });
      return hot.length;
    },
    ...overrides,
  });
  return { prewarmer, reads, warmed };
}

describe('VersionPrewarmer', () => {
  it("warms the new version with the previous version's hottest members, under a lease per tenant and version", async () => {
    const { leases, granted } = leasesThat();
    const { prewarmer: subject, reads, warmed } = prewarmer({ leases, leaseTtlMs: 5_000 });
    expect(await subject.prewarm('t1', 4)).toBe(2);
    expect(granted).toEqual([{ resource: { tenant: 't1', id: 'v4' }, ttlMs: 5_000 }]);
    expect(reads).toEqual([{ set: 'test:catalog-service:t1:catalog:hot-offers:v3', limit: 50 }]);
    expect(warmed).toEqual([{ tenantId: 't1', version: 4, hot: ['a', 'b'] }]);
  });

  it('does nothing for a first version, or when nothing was read', async () => {
    const first = prewarmer();
    expect(await first.prewarmer.prewarm('t1', 1)).toBe(0);
    expect(first.reads).toEqual([]);
    const cold = prewarmer({ hotKeys: { top: async () => [] } });
    expect(await cold.prewarmer.prewarm('t1', 2)).toBe(0);
    expect(cold.warmed).toEqual([]);
  });

  it('answers 0 when another instance holds the lease or Redis cannot grant one', async () => {
    for (const refusal of [new LeaseContendedError('taken'), new RedisUnavailableError('down')]) {
      const { prewarmer: subject, warmed } = prewarmer({ leases: leasesThat(refusal).leases });
      expect(await subject.prewarm('t1', 2)).toBe(0);
      expect(warmed).toEqual([]);
    }
  });

  it('hands the lease-loss signal to the work and lets its errors through', async () => {
    const { leases, loseLease } = leasesThat();
    const signals: AbortSignal[] = [];
    const { prewarmer: subject } = prewarmer({
      leases,
      warm: async (_t, _v, _hot, signal) => {
        signals.push(signal);
        loseLease();
        throw new Error('cache write failed');
      },
    });
    await expect(subject.prewarm('t1', 2)).rejects.toThrow('cache write failed');
    expect(signals[0]?.aborted).toBe(true);
  });
});
