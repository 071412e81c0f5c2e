import { describe, expect, it } from 'vitest';
import {
  parseBenchReport,
  renderBenchmarksDoc,
  renderReadmeSummary,
  renderReportSection,
  replaceGenerated,
} from './bench-docs';
import type { BenchReport } from './bench-report';
import type { SoakCensus } from './soak-report';

const catalog: BenchReport = {
  name: 'catalog',
  title: 'catalog-service: GET /offers/{id}',
  startedAt: '2025-01-02T03:04:05.000Z',
  finishedAt: '2025-01-02T03:10:00.000Z',
  node: 'v24.1.0',
  commit: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
  machine: { cpus: 2, cpuModel: 'Test CPU', loadAvg: [1.5, 1.25, 1] },
  unit: 'req/s',
  method: 'The fixed method text.',
  settings: { rounds: 3, connections: 50 },
  contenders: [
    {
      name: 'bare A',
      reqPerSec: 30000.4,
      p50Ms: 0.4567,
      p99Ms: 2.5,
      cpuUsPerRequest: { server: 27.7, loadGenerator: 15, redis: 8.61 },
      rounds: [30000, 31000, 29000],
    },
    {
      name: 'bare B',
      reqPerSec: 31000,
      p50Ms: 0.5,
      p99Ms: 3,
      cpuUsPerRequest: { server: 26 },
      rounds: [32000, 30000, 31000],
    },
    {
      name: 'service',
      reqPerSec: 24000,
      p50Ms: 0.9,
      p99Ms: 4,
      cpuUsPerRequest: { server: 30.3 },
      rounds: [24000, 23000, 25000],
      failures: 2,
    },
  ],
  ratios: [
    {
      name: 'service / best bare',
      numerator: 'service',
      denominator: ['bare A', 'bare B'],
      value: 0.75,
      target: 0.8,
      met: false,
      rounds: [0.75, 0.74, 0.81],
      denominatorPicks: ['bare B', 'bare A', 'bare B'],
    },
    {
      name: 'service / bare A',
      numerator: 'service',
      denominator: ['bare A'],
      value: 0.8,
      rounds: [0.8, 0.74, 0.86],
    },
  ],
  fixedLoad: [
    {
      name: 'service',
      offeredReqPerSec: 15000,
      achievedReqPerSec: 14990,
      p50Ms: 0.31,
      p99Ms: 1.234,
      sustained: true,
      rounds: { achievedReqPerSec: [14990], p50Ms: [0.31], p99Ms: [1.234] },
    },
  ],
  checks: [{ name: 'commands / request', value: 1.0004, expected: '1 (within 1 %)', met: true }],
  notes: ['bodies: identical bytes'],
};

const runtime: BenchReport = {
  ...catalog,
  name: 'runtime',
  title: 'in process',
  unit: 'ops/s',
  commit: { sha: 'fedcba9876543210fedcba9876543210fedcba98', dirty: true },
  ratios: [
    {
      name: 'limiter / flexible',
      numerator: 'bare A',
      denominator: ['bare B'],
      value: 1.5,
      target: 1.2,
      met: true,
      rounds: [1.5],
    },
  ],
  fixedLoad: undefined,
  checks: undefined,
  notes: undefined,
  nonDefaultKnobs: ['BENCH_ROUNDS=1 (default 3)'],
};

const soakCensus = (atS: number, keys: number): SoakCensus => ({
  atS,
  requests: atS * 150,
  ledger: {
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
    captureKeys: keys,
  },
  servers: (['cache', 'rate', 'session'] as const).map((workload) => ({
    workload,
    usedMemoryBytes: 2 * 1024 * 1024,
    keys,
    evictedKeys: 0,
    strayKeys: 0,
    strayWithoutTtl: 0,
  })),
  families: [
    { family: 'order-idempotency', workload: 'session', keys, withoutTtl: 0, estimatedBytes: keys * 1024 },
  ],
});

const soak: BenchReport = {
  ...catalog,
  name: 'soak',
  title: 'soak: 10 min',
  ratios: [],
  fixedLoad: undefined,
  notes: undefined,
  checks: [
    { name: 'answers 5xx', value: 0, expected: '0', met: true },
    { name: 'keys without a TTL', value: 2, expected: '0', met: false },
  ],
  soak: {
    minutes: 10,
    trafficSeconds: 600,
    offeredReqPerSec: 150,
    achievedReqPerSec: 149.9,
    censuses: [soakCensus(0, 0), soakCensus(300, 1500), soakCensus(600, 3000)],
    instances: [
      {
        name: 'order-service #0',
        cpuSeconds: 42,
        idleCpuShare: 0.02,
        samples: [0, 300, 600].map((atS) => ({
          atS,
          rssBytes: 200 * 1024 * 1024,
          heapUsedBytes: 50 * 1024 * 1024,
          heapTotalBytes: 80 * 1024 * 1024,
          externalBytes: 4 * 1024 * 1024,
          eventLoopDelayP99Ms: 1.5,
        })),
      },
    ],
    errors: [],
    machine: { loadAvg1: { min: 1, median: 2, max: 3 }, cpuBusyShare: 0.5, soakProcessesCpuShare: 0.3 },
  },
};

describe('bench docs rendering', () => {
  it('renders a report section: provenance, contenders, ratios with targets and rounds, fixed load, checks', () => {
    const section = renderReportSection(catalog);
    expect(section).toContain('### catalog: catalog-service: GET /offers/{id}');
    expect(section).toContain(
      'Run 2025-01-02 03:04 UTC, Node v24.1.0, commit `0123456789`, 2 CPUs (Test CPU), load average at the end 1.5 / 1.25 / 1.',
    );
    expect(section).toContain('Settings: rounds 3, connections 50.');
    expect(section).toContain('Method: The fixed method text.');
    expect(section).toContain(
      '| bare A | 30,000 | 0.457 | 2.50 | 27.70 | 15.00 | 8.61 | 30,000 / 31,000 / 29,000 |',
    );
    expect(section).toContain(
      '| service | 24,000 | 0.900 | 4.00 | 30.30 |  |  | 24,000 / 23,000 / 25,000 (2 failures) |',
    );
    expect(section).toContain('| service / best bare | 0.75x | >= 0.8x | **missed** | 0.75 0.74 0.81 |');
    expect(section).toContain('| service / bare A | 0.80x | reference |  | 0.80 0.74 0.86 |');
    expect(section).toContain(
      '- service / best bare: fastest baseline per round: bare B (2 of 3), bare A (1 of 3).',
    );
    expect(section).toContain('| service | 15,000 | 14,990 | 0.310 | 1.23 | yes | 1.23 |');
    expect(section).toContain('| commands / request | 1.000 | 1 (within 1 %) | met |');
    expect(section).toContain('- bodies: identical bytes');
  });

  it('says per operation for an in-process bench and flags a quick check and uncommitted changes', () => {
    const section = renderReportSection(runtime);
    expect(section).toContain('| contender | ops/s | p50 ms | p99 ms | CPU µs/op: server |');
    expect(section).toContain('commit `fedcba9876` with uncommitted changes');
    expect(section).toContain('**Not the default settings** (BENCH_ROUNDS=1 (default 3)): a quick check');
  });

  it('orders benches runtime, catalog, pricing, then others, in the doc and in the README summary', () => {
    const other = { ...runtime, name: 'aaa-other', nonDefaultKnobs: undefined };
    const doc = renderBenchmarksDoc([catalog, other, runtime]);
    expect(doc.indexOf('### runtime')).toBeLessThan(doc.indexOf('### catalog'));
    expect(doc.indexOf('### catalog')).toBeLessThan(doc.indexOf('### aaa-other'));

    const summary = renderReadmeSummary([catalog, runtime]);
    expect(summary.split('\n').slice(0, 4)).toEqual([
      '| bench | ratio (median of per-round ratios) | value | target | result |',
      '|---|---|---:|---|---|',
      '| runtime | limiter / flexible | 1.50x | >= 1.2x | met |',
      '| catalog | service / best bare | 0.75x | >= 0.8x | **missed** |',
    ]);
    expect(summary).toContain(
      'Runs: runtime 2025-01-02 03:04 UTC, `fedcba9876` (uncommitted changes), quick-check settings; catalog 2025-01-02 03:04 UTC, `0123456789`.',
    );
  });

  it('keeps the README summary short: ratios without a target and the fixed-load figures stay in the doc', () => {
    const summary = renderReadmeSummary([catalog, runtime]);
    expect(summary).not.toContain('service / bare A');
    expect(summary).not.toContain('15,000');
    expect(renderBenchmarksDoc([catalog])).toContain('| service / bare A | 0.80x | reference |');
  });
});

describe('the soak in the docs', () => {
  it('renders the per-family table at start, middle and end, the servers, the instances and the errors', () => {
    const section = renderReportSection(soak);
    expect(section).toContain(
      'Redis keys and estimated memory per key family (start 0 s, middle 300 s, end 600 s):',
    );
    expect(section).toContain(
      '| order-idempotency | session | 0 | 1,500 | 3,000 | 3,000 | 0.0 KiB | 1.5 MiB | 2.9 MiB | 0 |',
    );
    expect(section).toContain('| catalog-offer | cache | 0 | 0 | 0 | 0 |');
    expect(section).toContain('| session | 2.0 | 2.0 | 2.0 | 0 | 1,500 | 3,000 |');
    expect(section).toContain(
      '| order-service #0 | 200.0 | 200.0 | 200.0 | 200.0 | 200.0 | 50.0 | 50.0 | 50.0 | 0.0 | 1.5 | 1.5 | 1.5 | 1.5 | 42 | 2.0 |',
    );
    expect(section).toContain('| (none) |  | 0 |');
  });

  it('counts the checks of a bench without a targeted ratio in the README summary', () => {
    expect(renderReadmeSummary([catalog, soak])).toContain('Checks: soak 1 of 2 checks met (**1 missed**).');
    expect(renderReadmeSummary([catalog])).not.toContain('Checks:');
  });
});

describe('replaceGenerated', () => {
  const doc = 'before\n<!-- x:begin (generated) -->\nold\nlines\n<!-- x:end -->\nafter\n';

  it('replaces only what lies between the markers, and again the same way', () => {
    const once = replaceGenerated(doc, 'x', 'new');
    expect(once).toBe('before\n<!-- x:begin (generated) -->\nnew\n<!-- x:end -->\nafter\n');
    expect(replaceGenerated(once, 'x', 'new')).toBe(once);
  });

  it('throws when the markers are missing', () => {
    expect(() => replaceGenerated('no markers', 'x', 'new')).toThrow(/markers/);
  });
});

describe('parseBenchReport', () => {
  it('accepts a report and names the missing fields of anything else', () => {
    expect(parseBenchReport(JSON.stringify(catalog), 'catalog.json').name).toBe('catalog');
    expect(() => parseBenchReport('{"name":"x"}', 'x.json')).toThrow(
      /x.json: not a bench report \(missing title,/,
    );
  });
});
