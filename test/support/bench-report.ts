// Interface 3 (TEAM.md): every benchmark writes its figures to `.data/bench/<name>.json` through `writeBenchReport`,
// prints them as a table, and exits by itself (`runBench`). `npm run docs:bench` renders the docs from those files,
// so no figure is ever typed by hand.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { SoakSection } from './soak-report';

export const BENCH_REPORT_DIR = resolve(__dirname, '../../.data/bench');

/** CPU time per request (or per operation for in-process benches), µs. */
export interface CpuPerRequest {
  /** The process serving the request; for an in-process bench, the bench process (callers and library together). */
  server?: number;
  /** The load generator (autocannon or the paced loader, i.e. the bench process). */
  loadGenerator?: number;
  /** The Redis server(s) the contender talks to (`INFO cpu`; shared servers also count other clients' work). */
  redis?: number;
}

export interface BenchContender {
  name: string;
  /** Median over the rounds (operations per second for an in-process bench: see `BenchReport.unit`). */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Medians over the rounds. */
  cpuUsPerRequest: CpuPerRequest;
  /** req/s (or ops/s) of each round, in round order. */
  rounds?: number[];
  /** Connection errors, timeouts and non-2xx answers over every measured run. */
  failures?: number;
}

export interface BenchRatio {
  name: string;
  /** The contender measured. */
  numerator: string;
  /** The baseline: in each round, the fastest of these contenders (its best configuration in that round). */
  denominator: string[];
  /** Median of `rounds`. */
  value: number;
  /** Met when `value >= target`. */
  target?: number;
  met?: boolean;
  /** numerator / fastest denominator, per round. */
  rounds: number[];
  /** Which denominator contender was the fastest, per round (only when there are several). */
  denominatorPicks?: string[];
}

/** Latency at a fixed offered load (open loop, see the report's `method`). */
export interface FixedLoadResult {
  name: string;
  offeredReqPerSec: number;
  /** Median over the rounds. */
  achievedReqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Achieved at least 97 % of the offered rate in every round. */
  sustained: boolean;
  rounds?: { achievedReqPerSec: number[]; p50Ms: number[]; p99Ms: number[] };
}

/** A pass/fail check that is not a ratio (e.g. Redis commands per request). */
export interface BenchCheck {
  name: string;
  value: number;
  expected: string;
  met: boolean;
}

export interface BenchReport {
  name: string;
  title: string;
  startedAt: string;
  finishedAt: string;
  node: string;
  /** The code measured: HEAD when the report was written, and whether the worktree had changes. */
  commit?: { sha: string; dirty: boolean };
  machine: { cpus: number; cpuModel: string; loadAvg: number[] };
  unit: 'req/s' | 'ops/s';
  /** Fixed text describing the method, chosen before any figure. */
  method: string;
  /** The knobs as used in this run (rounds, durations, connections...). */
  settings: Record<string, string | number | boolean>;
  contenders: BenchContender[];
  ratios: BenchRatio[];
  fixedLoad?: FixedLoadResult[];
  checks?: BenchCheck[];
  notes?: string[];
  /** The soak's figures over time (bench:soak only): censuses, service samples, errors, the machine. */
  soak?: SoakSection;
  /** Knobs set to other than their default (`NAME=value (default x)`): such a run is a quick check. */
  nonDefaultKnobs?: string[];
}

export type BenchReportInput = Omit<
  BenchReport,
  'finishedAt' | 'node' | 'commit' | 'machine' | 'nonDefaultKnobs'
>;

const knobs = new Map<string, { value: number; fallback: number }>();

/** A positive number from the environment (a knob, e.g. `BENCH_ROUNDS`), else `fallback`; remembered for the report. */
export function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  knobs.set(name, { value, fallback });
  return value;
}

function nonDefaultKnobs(): string[] {
  return [...knobs]
    .filter(([, k]) => k.value !== k.fallback)
    .map(([name, k]) => `${name}=${k.value} (default ${k.fallback})`);
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The `p`-th percentile (0-100) of unsorted values, nearest rank. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * `numerator` over the fastest of `denominators` in each round (every contender of a round is measured under the
 * same machine conditions), and the median of those per-round ratios. On a shared machine whose speed drifts
 * between rounds, that median is far steadier than the ratio of two medians. Taking the fastest baseline
 * configuration per round is the strictest pairing: the baseline is never measured below its best.
 */
export function ratioOfRounds(
  name: string,
  roundsByContender: Readonly<Record<string, readonly number[] | undefined>>,
  numerator: string,
  denominators: readonly string[],
  target?: number,
): BenchRatio | undefined {
  const top = roundsByContender[numerator];
  const bottoms = denominators.map((d) => roundsByContender[d]);
  if (!top || bottoms.some((b) => !b)) return undefined; // a contender left out of this run
  const rounds: number[] = [];
  const picks: string[] = [];
  top.forEach((value, i) => {
    let best = -1;
    bottoms.forEach((b, j) => {
      const v = b![i];
      if (v !== undefined && (best < 0 || v > bottoms[best]![i]!)) best = j;
    });
    if (best < 0) return;
    rounds.push(value / bottoms[best]![i]!);
    picks.push(denominators[best]!);
  });
  const value = median(rounds);
  return {
    name,
    numerator,
    denominator: [...denominators],
    value,
    ...(target === undefined ? {} : { target, met: value >= target }),
    rounds,
    ...(denominators.length > 1 ? { denominatorPicks: picks } : {}),
  };
}

function gitCommit(): BenchReport['commit'] {
  try {
    const cwd = resolve(__dirname, '../..');
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    });
    return { sha, dirty: status.trim() !== '' };
  } catch {
    return undefined;
  }
}

function assertFinite(report: BenchReport): void {
  const bad: string[] = [];
  const check = (where: string, value: number | undefined) => {
    if (value !== undefined && !Number.isFinite(value)) bad.push(where);
  };
  for (const c of report.contenders) {
    check(`${c.name} reqPerSec`, c.reqPerSec);
    check(`${c.name} p50Ms`, c.p50Ms);
    check(`${c.name} p99Ms`, c.p99Ms);
  }
  for (const r of report.ratios) check(`ratio ${r.name}`, r.value);
  if (bad.length) throw new Error(`bench report ${report.name}: not a finite number: ${bad.join(', ')}`);
  const names = report.contenders.map((c) => c.name);
  if (new Set(names).size !== names.length)
    throw new Error(`bench report ${report.name}: duplicate contender`);
  for (const r of report.ratios) {
    for (const n of [r.numerator, ...r.denominator]) {
      if (!names.includes(n))
        throw new Error(`bench report ${report.name}: ratio ${r.name} names unknown ${n}`);
    }
  }
}

/** Writes `.data/bench/<name>.json` (or into `dir`), prints the report, returns it with its file path. */
export function writeBenchReport(
  input: BenchReportInput,
  dir: string = BENCH_REPORT_DIR,
): BenchReport & { file: string } {
  const commit = gitCommit();
  const changed = nonDefaultKnobs();
  const report: BenchReport = {
    ...input,
    ...(changed.length ? { nonDefaultKnobs: changed } : {}),
    finishedAt: new Date().toISOString(),
    node: process.version,
    ...(commit ? { commit } : {}),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
    },
  };
  assertFinite(report);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.name}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatBenchReport(report));
  console.log(`\n  figures written to ${file}`);
  return { ...report, file };
}

/**
 * `1.23x`: two decimals, more when rounding would cross the target (0.7996 against 0.8 reads `0.7996x`, never `0.80x`
 * next to "missed").
 */
export function formatRatio(value: number, target?: number): string {
  for (const digits of [2, 3, 4]) {
    const text = value.toFixed(digits);
    if (target === undefined || Number(text) >= target === value >= target) return `${text}x`;
  }
  return `${value}x`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fix = (n: number | undefined, digits: number) => (n === undefined ? '-' : n.toFixed(digits));

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The console form: contenders, ratios (with targets and per-round values), fixed load, checks. */
export function formatBenchReport(report: BenchReport): string {
  const out: string[] = [`\n${report.title} (${report.unit}; medians over rounds)`];
  out.push(
    table(
      [
        'contender',
        report.unit,
        'p50 ms',
        'p99 ms',
        'CPU µs: server',
        'load gen',
        'redis',
        'failures',
        'rounds',
      ],
      report.contenders.map((c) => [
        c.name,
        int(c.reqPerSec),
        fix(c.p50Ms, 3),
        fix(c.p99Ms, 3),
        fix(c.cpuUsPerRequest.server, 2),
        fix(c.cpuUsPerRequest.loadGenerator, 2),
        fix(c.cpuUsPerRequest.redis, 2),
        String(c.failures ?? 0),
        (c.rounds ?? []).map(int).join(' / '),
      ]),
      [false, true, true, true, true, true, true, true, false],
    ),
  );
  if (report.ratios.length) {
    out.push('');
    out.push(
      table(
        ['ratio', 'value', 'target', 'result', 'rounds'],
        report.ratios.map((r) => [
          r.name,
          formatRatio(r.value, r.target),
          r.target === undefined ? '(reference)' : `>= ${r.target}x`,
          r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
          r.rounds.map((x) => x.toFixed(2)).join(' '),
        ]),
        [false, true, false, false, false],
      ),
    );
  }
  if (report.fixedLoad?.length) {
    out.push('');
    out.push(
      table(
        ['at a fixed offered load', 'offered', 'achieved', 'p50 ms', 'p99 ms', 'sustained'],
        report.fixedLoad.map((f) => [
          f.name,
          int(f.offeredReqPerSec),
          int(f.achievedReqPerSec),
          fix(f.p50Ms, 3),
          fix(f.p99Ms, 3),
          f.sustained ? 'yes' : 'NO',
        ]),
        [false, true, true, true, true, false],
      ),
    );
  }
  if (report.checks?.length) {
    out.push('');
    out.push(
      table(
        ['check', 'value', 'expected', 'result'],
        report.checks.map((c) => [c.name, c.value.toFixed(3), c.expected, c.met ? 'met' : 'MISSED']),
        [false, true, false, false],
      ),
    );
  }
  for (const note of report.notes ?? []) out.push(`  note: ${note}`);
  if (report.nonDefaultKnobs)
    out.push(`  NOT THE DEFAULT SETTINGS (a quick check): ${report.nonDefaultKnobs.join(', ')}`);
  return out.join('\n');
}

/** Runs a bench's `main` and exits when it settles, whatever handles are still open (0, or 1 on error). */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`${name} bench failed:`, error);
      process.exit(1);
    },
  );
}
