// The soak's tables (per key family, per Redis server, per service instance, errors), as rows both the console
// (`formatSoakTables`) and docs/benchmarks.md (bench-docs.ts) render. Pure.
import { PLATFORM_KEY_FAMILIES } from '@cpq/redis-runtime';
import {
  censusAt,
  heapFloorGrowthMiB,
  rssPeaksMiB,
  sampleNear,
  unexplainedBytes,
  type SoakCensus,
  type SoakSection,
} from './soak-report';
import { SOAK_FAMILY_BOUNDS } from './soak-family-bounds';

export interface SoakTable {
  title: string;
  header: string[];
  rows: string[][];
  /** Right-aligned columns. */
  right: boolean[];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const kib = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${mib(bytes)} MiB`;
const at = (c: SoakCensus) => `${Math.round(c.atS)} s`;

/** The start, middle and end censuses (the first, the one at half the traffic, the last). */
export function shownCensuses(section: SoakSection): [SoakCensus, SoakCensus, SoakCensus] {
  const { censuses } = section;
  return [censuses[0]!, censusAt(censuses, 1 / 2), censuses[censuses.length - 1]!];
}

export function soakTables(section: SoakSection): SoakTable[] {
  const shown = shownCensuses(section);
  const [start, middle, end] = shown;
  const when = `start ${at(start)}, middle ${at(middle)}, end ${at(end)}`;
  const names = PLATFORM_KEY_FAMILIES.filter((f) => f.format !== 'channel').map((f) => f.name);
  const families: SoakTable = {
    title: `Redis keys and estimated memory per key family (${when})`,
    header: [
      'family',
      'workload',
      'keys: start',
      'middle',
      'end',
      'bound at end',
      'memory: start',
      'middle',
      'end',
      'no TTL',
    ],
    right: [false, false, true, true, true, true, true, true, true, true],
    rows: names.map((name) => {
      const figures = shown.map((c) => c.families.find((f) => f.family === name));
      const workload =
        figures.find((f) => f)?.workload ?? PLATFORM_KEY_FAMILIES.find((f) => f.name === name)!.workload;
      const bound = SOAK_FAMILY_BOUNDS[name]?.bound(end.ledger);
      return [
        name,
        workload,
        ...figures.map((f) => int(f?.keys ?? 0)),
        bound === undefined ? 'none' : int(bound),
        ...figures.map((f) => kib(f?.estimatedBytes ?? 0)),
        int(
          Math.max(
            ...section.censuses.map((c) => c.families.find((f) => f.family === name)?.withoutTtl ?? 0),
          ),
        ),
      ];
    }),
  };
  const servers: SoakTable = {
    title: `Redis servers (${when}); "outside the families": used_memory less the families' estimated bytes`,
    header: [
      'workload',
      'used_memory MiB: start',
      'middle',
      'end',
      'keys: start',
      'middle',
      'end',
      'outside the families MiB: start',
      'middle',
      'end',
    ],
    right: [false, true, true, true, true, true, true, true, true, true],
    rows: (['cache', 'rate', 'session'] as const).map((workload) => {
      const server = (c: SoakCensus) => c.servers.find((s) => s.workload === workload);
      return [
        workload,
        ...shown.map((c) => mib(server(c)?.usedMemoryBytes ?? 0)),
        ...shown.map((c) => int(server(c)?.keys ?? 0)),
        ...shown.map((c) => mib(unexplainedBytes(c, workload))),
      ];
    }),
  };
  const trafficS = section.trafficSeconds;
  const services: SoakTable = {
    title:
      'Service instances (/metrics every few seconds; event-loop delay p99 of each interval, less the 10 ms ' +
      'resolution; heap floor: lowest heap used of a third of the traffic)',
    header: [
      'instance',
      'RSS MiB: start',
      'middle',
      'end',
      'peak before last third',
      'peak in last third',
      'heap used MiB: start',
      'middle',
      'end',
      'heap floor rise, last third, MiB',
      'event-loop p99 ms: start',
      'middle',
      'end',
      'max',
      'CPU s',
      'idle CPU %',
    ],
    right: [false, ...Array<boolean>(15).fill(true)],
    rows: section.instances.map((instance) => {
      const points = [start.atS, middle.atS, end.atS].map((s) => sampleNear(instance, s));
      const peaks = rssPeaksMiB(instance, trafficS);
      const eld = instance.samples.map((s) => s.eventLoopDelayP99Ms);
      return [
        instance.name,
        ...points.map((p) => (p ? mib(p.rssBytes) : '-')),
        peaks.before.toFixed(1),
        peaks.last.toFixed(1),
        ...points.map((p) => (p ? mib(p.heapUsedBytes) : '-')),
        heapFloorGrowthMiB(instance, trafficS).toFixed(1),
        ...points.map((p) => (p ? p.eventLoopDelayP99Ms.toFixed(1) : '-')),
        eld.length ? Math.max(...eld).toFixed(1) : '-',
        instance.cpuSeconds.toFixed(0),
        (100 * instance.idleCpuShare).toFixed(1),
      ];
    }),
  };
  const errors: SoakTable = {
    title: 'Answers that were not 2xx, per route (status 0: no answer)',
    header: ['route', 'status', 'count'],
    right: [false, true, true],
    rows: section.errors.length
      ? section.errors.map((e) => [e.route, String(e.status), int(e.count)])
      : [['(none)', '', '0']],
  };
  return [families, servers, services, errors];
}

/** The console form of the soak's tables. */
export function formatSoakTables(section: SoakSection): string {
  const out: string[] = [];
  for (const table of soakTables(section)) {
    const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      '  ' +
      cells
        .map((c, i) => (table.right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    out.push('', table.title, line(table.header), ...table.rows.map(line));
  }
  return out.join('\n');
}
