import { PLATFORM_KEY_FAMILIES } from '@cpq/redis-runtime';
import { describe, expect, it } from 'vitest';
import { SOAK_FAMILY_BOUNDS, type LedgerCounts } from './soak-family-bounds';
import {
  censusAt,
  errorChecks,
  familyChecks,
  keyspaceChecks,
  memoryChecks,
  instanceChecks,
  type SoakCensus,
  type SoakFamilyFigures,
  type SoakInstance,
} from './soak-report';

const ledger = (over: Partial<LedgerCounts> = {}): LedgerCounts => ({
  tenants: 3,
  catalogPublishes: 3,
  priceBookPublishes: 3,
  offerVersionPairs: 0,
  pages: 0,
  priceInputVersionPairs: 0,
  priceEntryVersionPairs: 0,
  configOfferVersionPairs: 0,
  pricingSubjects: 3,
  configUsers: 0,
  captureSubjects: 0,
  sessionsCreated: 0,
  finalizes: 0,
  captureKeys: 0,
  ...over,
});

const census = (
  atS: number,
  families: Partial<SoakFamilyFigures>[],
  over: Partial<LedgerCounts> = {},
  usedMemoryBytes = 10 * 1024 * 1024,
): SoakCensus => ({
  atS,
  requests: atS * 100,
  ledger: ledger(over),
  servers: (['cache', 'rate', 'session'] as const).map((workload) => ({
    workload,
    usedMemoryBytes,
    keys: 0,
    evictedKeys: 0,
    strayKeys: 0,
    strayWithoutTtl: 0,
  })),
  families: families.map((f) => ({
    family: 'order-idempotency',
    workload: 'session',
    keys: 0,
    withoutTtl: 0,
    estimatedBytes: 0,
    ...f,
  })),
});

const met = (checks: { name: string; met: boolean }[], part: string) =>
  checks.find((c) => c.name.startsWith(part))!.met;

describe('the soak family bounds', () => {
  it('bound every declared key family (a new family needs its bound before the soak can judge it)', () => {
    const declared = PLATFORM_KEY_FAMILIES.filter((f) => f.format !== 'channel').map((f) => f.name);
    expect(Object.keys(SOAK_FAMILY_BOUNDS).sort()).toEqual([...declared].sort());
  });
});

describe('familyChecks', () => {
  it('passes a family growing with the entities it is keyed by (one key per Idempotency-Key)', () => {
    const censuses = [0, 60, 120, 180].map((t) =>
      census(t, [{ family: 'order-idempotency', keys: t * 5 }], { captureKeys: t * 5 }),
    );
    expect(met(familyChecks(censuses, ['order-idempotency']), 'order-idempotency')).toBe(true);
  });

  it('fails a family with more keys than the entities account for (keys that grow with requests)', () => {
    const censuses = [0, 60, 120, 180].map((t) =>
      census(t, [{ family: 'order-idempotency', keys: t * 6 }], { captureKeys: t * 5 }),
    );
    const [check] = familyChecks(censuses, ['order-idempotency']);
    expect(check!.met).toBe(false);
    expect(check!.value).toBeCloseTo(1.2);
  });

  it('passes keys filling a key space opened before the last third (a new version read after its publish)', () => {
    const censuses = [0, 60, 120, 180].map((t) =>
      census(t, [{ family: 'catalog-offer', workload: 'cache', keys: [0, 300, 600, 880][t / 60]! }], {
        offerVersionPairs: [300, 600, 900, 900][t / 60]!,
      }),
    );
    expect(met(familyChecks(censuses, ['catalog-offer']), 'catalog-offer')).toBe(true);
  });

  it('fails a family that has no declared bound, and counts keys of a family bounded at 0', () => {
    const bounded0 = { 'order-view': { bound: () => 0, why: 'nothing' } };
    const censuses = [census(0, []), census(60, [{ family: 'order-view', workload: 'cache', keys: 2 }])];
    const [zero] = familyChecks(censuses, ['order-view'], bounded0);
    expect(zero).toMatchObject({ value: 2, met: false });
    const unbounded = familyChecks([census(0, [{ family: 'order-idempotency', keys: 1 }])], [], {});
    expect(unbounded[0]).toMatchObject({ met: false, expected: 'a declared bound' });
  });
});

describe('keyspaceChecks', () => {
  it('fails on any key without a TTL, a stray key, an eviction, or an untrimmed hot set', () => {
    const clean = [
      census(0, []),
      census(60, [{ family: 'price-hot-keys', workload: 'cache', maxMembers: 399 }]),
    ];
    expect(keyspaceChecks(clean).every((c) => c.met)).toBe(true);
    const noTtl = [census(0, []), census(60, [{ withoutTtl: 1 }])];
    expect(met(keyspaceChecks(noTtl), 'keys without a TTL')).toBe(false);
    const stray = [census(0, []), census(60, [])];
    stray[1]!.servers[2]!.strayKeys = 1;
    expect(met(keyspaceChecks(stray), 'keys of no declared family')).toBe(false);
    const evicted = [census(0, []), census(60, [])];
    evicted[1]!.servers[0]!.evictedKeys = 5;
    expect(met(keyspaceChecks(evicted), 'keys evicted')).toBe(false);
    const untrimmed = [census(0, []), census(60, [{ family: 'price-hot-keys', maxMembers: 400 }])];
    expect(met(keyspaceChecks(untrimmed), 'members of the largest')).toBe(false);
  });
});

describe('memoryChecks', () => {
  it('allows used_memory to grow with the families, not outside them', () => {
    const mib = 1024 * 1024;
    const grows = (outside: number) =>
      [0, 60, 120, 180].map((t) =>
        census(
          t,
          [{ family: 'order-idempotency', estimatedBytes: t * 10_240 }],
          {},
          t * 10_240 + (t >= 180 ? outside : 0) + 10 * mib,
        ),
      );
    expect(met(memoryChecks(grows(1 * mib)), 'session Redis')).toBe(true);
    expect(met(memoryChecks(grows(3 * mib)), 'session Redis')).toBe(false);
  });
});

describe('instanceChecks', () => {
  const mib = 1024 * 1024;
  /**
   * 10 min, a sample every 5 s: heap used a saw-tooth from `floor` (+ `leakPerMin` a minute) up by 50 MiB every
   * 30 s; RSS following V8's committed heap in steps, handed back at 4 min (and at 8 min).
   */
  const instance = (leakPerMin: number, lateRssPeak = 0): SoakInstance => ({
    name: 'svc #0',
    cpuSeconds: 1,
    idleCpuShare: 0.01,
    samples: Array.from({ length: 120 }, (_, i) => {
      const atS = (i + 1) * 5;
      const heap = 45 + (leakPerMin * atS) / 60 + ((atS % 30) / 30) * 50;
      const rss = (atS < 100 ? 260 : 140 + ((atS % 240) / 240) * 100) + (atS > 500 ? lateRssPeak : 0);
      return {
        atS,
        rssBytes: rss * mib,
        heapUsedBytes: heap * mib,
        heapTotalBytes: rss * mib - 80 * mib,
        externalBytes: 5 * mib,
        eventLoopDelayP99Ms: 1,
      };
    }),
  });

  it('passes a process whose heap floor is flat and whose RSS cycles below its earlier peak', () => {
    expect(instanceChecks([instance(0)], 600).every((c) => c.met)).toBe(true);
  });

  it('fails a heap floor rising 2 MiB a minute (live memory growing with the traffic)', () => {
    const [floor] = instanceChecks([instance(2)], 600);
    expect(floor!.value).toBeCloseTo((200 / 60) * 2, 0);
    expect(floor!.met).toBe(false);
  });

  it('fails an RSS that sets a new peak in the last third', () => {
    const [, peak] = instanceChecks([instance(0, 120)], 600);
    expect(peak!.met).toBe(false);
  });
});

describe('errorChecks and censusAt', () => {
  it('counts 5xx apart from the other non-2xx answers', () => {
    const checks = errorChecks([
      { route: 'a', status: 503, count: 2 },
      { route: 'b', status: 412, count: 1 },
    ]);
    expect(checks.map((c) => [c.value, c.met])).toEqual([
      [2, false],
      [1, false],
    ]);
    expect(errorChecks([]).every((c) => c.met)).toBe(true);
  });

  it('finds the census nearest to a fraction of the run', () => {
    const censuses = [0, 100, 200, 300, 400, 500, 607].map((t) => census(t, []));
    expect(censusAt(censuses, 2 / 3).atS).toBe(400);
    expect(censusAt(censuses, 1 / 2).atS).toBe(300);
    expect(censusAt(censuses, 1 / 2, 600).atS).toBe(300);
  });
});
