// The soak's figures (the `soak` part of its bench report) and the checks that decide whether memory plateaued.
// Pure: test/soak/soak.bench.ts collects the figures, bench-docs.ts renders them, the spec pins the checks.
import type { BenchCheck } from './bench-report';
import {
  HOT_SET_MAX_MEMBERS,
  SOAK_FAMILY_BOUNDS,
  type FamilyBound,
  type LedgerCounts,
} from './soak-family-bounds';

export type SoakWorkloadName = 'cache' | 'rate' | 'session';

/** One Redis workload's server at a census. */
export interface SoakServerFigures {
  workload: SoakWorkloadName;
  usedMemoryBytes: number;
  keys: number;
  /** Keys evicted since the server started. */
  evictedKeys: number;
  /** Keys matching no declared family, or another environment's (the servers are the soak's own: expected 0). */
  strayKeys: number;
  strayWithoutTtl: number;
}

export interface SoakFamilyFigures {
  family: string;
  workload: SoakWorkloadName;
  keys: number;
  withoutTtl: number;
  /** keys x the sampled keys' average `MEMORY USAGE`. */
  estimatedBytes: number;
  /** Sorted-set families: members of the largest key. */
  maxMembers?: number;
}

/** A census of the three servers (`censusOf`), with the workload's ledger right after it. */
export interface SoakCensus {
  /** Seconds since the traffic started. */
  atS: number;
  /** Requests answered by then. */
  requests: number;
  ledger: LedgerCounts;
  servers: SoakServerFigures[];
  families: SoakFamilyFigures[];
}

/** One scrape of a service instance's /metrics. */
export interface SoakServiceSample {
  atS: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The V8 heap's committed size, and memory outside it held by JS objects (Buffers). */
  heapTotalBytes: number;
  externalBytes: number;
  /** `nodejs_eventloop_lag_p99_seconds` since the previous scrape, minus the monitor's 10 ms resolution, in ms. */
  eventLoopDelayP99Ms: number;
}

export interface SoakInstance {
  /** `catalog-service #0` */
  name: string;
  samples: SoakServiceSample[];
  /** CPU seconds the instance used during the traffic. */
  cpuSeconds: number;
  /** Share of a core it used with no traffic (consumers, relay, timers), measured just before the traffic. */
  idleCpuShare: number;
}

export interface SoakErrorCount {
  route: string;
  status: number;
  count: number;
}

export interface SoakSection {
  minutes: number;
  /** Seconds from the first request released to the last (the censuses and samples after it are the end's). */
  trafficSeconds: number;
  offeredReqPerSec: number;
  achievedReqPerSec: number;
  censuses: SoakCensus[];
  instances: SoakInstance[];
  /** Every answer that was not 2xx (status 0: no answer), by route. */
  errors: SoakErrorCount[];
  /** The machine while the traffic ran (other work shares it). */
  machine: {
    loadAvg1: { min: number; median: number; max: number };
    /** Share of all CPUs busy (/proc/stat), and the part of it the soak's own processes used. */
    cpuBusyShare: number;
    soakProcessesCpuShare: number;
  };
}

/** Thresholds of the plateau checks (fixed before any run; see docs/benchmarks.md). */
export const PLATEAU = {
  /** Redis memory outside what the families' keys account for may grow this much over the last third... */
  unexplainedGrowthShare: 0.05,
  /** ...or this many bytes, whichever is larger. */
  unexplainedGrowthBytes: 2 * 1024 * 1024,
  /** A service instance's heap floor (lowest heap used) may rise this much from the middle third to the last. */
  heapFloorGrowthMiB: 5,
  /** A service instance's peak RSS in the last third may exceed its peak before by this share. */
  rssPeakGrowthShare: 0.1,
} as const;

/** The census nearest to a fraction of the way through the traffic. */
export function censusAt(censuses: readonly SoakCensus[], fraction: number, trafficS?: number): SoakCensus {
  const target = fraction * (trafficS ?? censuses[censuses.length - 1]!.atS);
  let best = censuses[0]!;
  for (const c of censuses) if (Math.abs(c.atS - target) < Math.abs(best.atS - target)) best = c;
  return best;
}

const familyOf = (census: SoakCensus, family: string) => census.families.find((f) => f.family === family);

/**
 * Per family: keys within the bound at every census. The bound is the key space the workload's distinct entities
 * open, so keys may fill it gradually (a new catalog version's offers are read after its publish), but never pass
 * it: a family over its bound holds keys that grow with requests.
 */
export function familyChecks(
  censuses: readonly SoakCensus[],
  families: readonly string[],
  bounds: Readonly<Record<string, FamilyBound>> = SOAK_FAMILY_BOUNDS,
): BenchCheck[] {
  const present = new Set(censuses.flatMap((c) => c.families.map((f) => f.family)));
  const names = [...new Set([...families, ...present])];
  return names.map((family) => {
    const rule = bounds[family];
    if (!rule) {
      return {
        name: `${family}: keys within the workload's bound`,
        value: 0,
        expected: 'a declared bound',
        met: false,
      };
    }
    let peak = 0;
    for (const census of censuses) {
      const keys = familyOf(census, family)?.keys ?? 0;
      const bound = rule.bound(census.ledger);
      peak = Math.max(peak, bound > 0 ? keys / bound : keys);
    }
    return {
      name: `${family}: keys / bound (${rule.why}), most at any census`,
      value: peak,
      expected: '<= 1',
      met: peak <= 1,
    };
  });
}

/** Keys without TTL, stray keys and evictions over every census: each must be 0. */
export function keyspaceChecks(censuses: readonly SoakCensus[]): BenchCheck[] {
  const max = (f: (c: SoakCensus) => number) => Math.max(...censuses.map(f));
  const withoutTtl = max(
    (c) =>
      c.families.reduce((n, f) => n + f.withoutTtl, 0) + c.servers.reduce((n, s) => n + s.strayWithoutTtl, 0),
  );
  const stray = max((c) => c.servers.reduce((n, s) => n + s.strayKeys, 0));
  const end = censuses[censuses.length - 1]!;
  const start = censuses[0]!;
  const evicted = end.servers.reduce(
    (n, s) => n + s.evictedKeys - (start.servers.find((x) => x.workload === s.workload)?.evictedKeys ?? 0),
    0,
  );
  const largestSet = max((c) => Math.max(0, ...c.families.map((f) => f.maxMembers ?? 0)));
  return [
    {
      name: 'keys without a TTL (all workloads, most at any census)',
      value: withoutTtl,
      expected: '0',
      met: withoutTtl === 0,
    },
    {
      name: 'keys of no declared family or of another environment',
      value: stray,
      expected: '0',
      met: stray === 0,
    },
    {
      name: 'keys evicted during the soak (all workloads)',
      value: evicted,
      expected: '0',
      met: evicted === 0,
    },
    {
      name: 'members of the largest hot-key sorted set',
      value: largestSet,
      expected: `<= ${HOT_SET_MAX_MEMBERS} (trimmed back to 200 at 400)`,
      met: largestSet <= HOT_SET_MAX_MEMBERS,
    },
  ];
}

/** Redis memory not accounted for by the families' keys (used_memory - Σ estimated bytes) at a census. */
export function unexplainedBytes(census: SoakCensus, workload: SoakWorkloadName): number {
  const used = census.servers.find((s) => s.workload === workload)?.usedMemoryBytes ?? 0;
  const families = census.families
    .filter((f) => f.workload === workload)
    .reduce((n, f) => n + f.estimatedBytes, 0);
  return used - families;
}

/** Per workload: the memory outside the families' keys does not grow over the last third. */
export function memoryChecks(censuses: readonly SoakCensus[]): BenchCheck[] {
  const from = censusAt(censuses, 2 / 3);
  const end = censuses[censuses.length - 1]!;
  return (['cache', 'rate', 'session'] as const).map((workload) => {
    const growth = unexplainedBytes(end, workload) - unexplainedBytes(from, workload);
    const used = from.servers.find((s) => s.workload === workload)?.usedMemoryBytes ?? 0;
    const allowed = Math.max(PLATEAU.unexplainedGrowthBytes, PLATEAU.unexplainedGrowthShare * used);
    return {
      name: `${workload} Redis: used_memory growth over the last third not accounted for by the families' keys, MiB`,
      value: growth / 1024 / 1024,
      expected: `<= ${(allowed / 1024 / 1024).toFixed(1)} (max(2 MiB, 5 % of used_memory))`,
      met: growth <= allowed,
    };
  });
}

const inThird = (instance: SoakInstance, trafficS: number, third: number) =>
  instance.samples.filter((s) => s.atS > (third * trafficS) / 3 && s.atS <= ((third + 1) * trafficS) / 3);

/**
 * How much the instance's heap floor rose from the middle third to the last, MiB: the lowest heap used of each
 * third is what survived its garbage collections (heap used itself is a saw-tooth between them), so a floor that
 * rises is live memory growing with the traffic.
 */
export function heapFloorGrowthMiB(instance: SoakInstance, trafficS: number): number {
  const floor = (third: number) =>
    Math.min(...inThird(instance, trafficS, third).map((s) => s.heapUsedBytes));
  return (floor(2) - floor(1)) / 1024 / 1024;
}

/** Peak RSS before the last third and in it, MiB. */
export function rssPeaksMiB(instance: SoakInstance, trafficS: number): { before: number; last: number } {
  const peak = (samples: SoakServiceSample[]) => Math.max(...samples.map((s) => s.rssBytes)) / 1024 / 1024;
  return {
    before: peak(instance.samples.filter((s) => s.atS <= (2 * trafficS) / 3)),
    last: peak(inThird(instance, trafficS, 2)),
  };
}

/**
 * Per instance: the heap floor does not rise over the last third (no live memory growing with requests), and RSS
 * sets no new peak in it. RSS itself follows V8's committed heap, which grows in steps and is handed back every few
 * minutes, so its slope over a few minutes says nothing about a leak; a leak raises the floor and, in time, the peaks.
 */
export function instanceChecks(instances: readonly SoakInstance[], trafficS: number): BenchCheck[] {
  return instances.flatMap((instance) => {
    const floor = heapFloorGrowthMiB(instance, trafficS);
    const rss = rssPeaksMiB(instance, trafficS);
    return [
      {
        name: `${instance.name}: heap floor (lowest heap used), last third less middle third, MiB`,
        value: floor,
        expected: `<= ${PLATEAU.heapFloorGrowthMiB}`,
        met: floor <= PLATEAU.heapFloorGrowthMiB,
      },
      {
        name: `${instance.name}: peak RSS of the last third / peak RSS before it`,
        value: rss.last / rss.before,
        expected: `<= ${1 + PLATEAU.rssPeakGrowthShare}`,
        met: rss.last <= rss.before * (1 + PLATEAU.rssPeakGrowthShare),
      },
    ];
  });
}

export function errorChecks(errors: readonly SoakErrorCount[]): BenchCheck[] {
  const serverErrors = errors.filter((e) => e.status >= 500).reduce((n, e) => n + e.count, 0);
  const others = errors.filter((e) => e.status < 500).reduce((n, e) => n + e.count, 0);
  return [
    { name: 'answers 5xx', value: serverErrors, expected: '0', met: serverErrors === 0 },
    {
      name: 'other answers that are not 2xx (4xx, or none: status 0)',
      value: others,
      expected: '0 (every request of the mix is valid)',
      met: others === 0,
    },
  ];
}

/** The sample of `instance` nearest to `atS`. */
export function sampleNear(instance: SoakInstance, atS: number): SoakServiceSample | undefined {
  let best: SoakServiceSample | undefined;
  for (const s of instance.samples) if (!best || Math.abs(s.atS - atS) < Math.abs(best.atS - atS)) best = s;
  return best;
}
