// STAND-IN for the shared `writeBenchReport` of TEAM.md interface 3 (`test/support/bench-report.ts`, owner: bench),
// with the same input shape for the parts bench:order uses: when that helper lands on main, import it instead of
// this file and delete this one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

export interface BenchContender {
  name: string;
  /** Median over the rounds. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: { server?: number; loadGenerator?: number; redis?: number };
  rounds?: number[];
  failures?: number;
}

export interface BenchRatio {
  name: string;
  numerator: string;
  denominator: string[];
  /** Median of `rounds`. */
  value: number;
  target?: number;
  met?: boolean;
  rounds: number[];
}

export interface BenchCheck {
  name: string;
  value: number;
  expected: string;
  met: boolean;
}

export interface BenchReportInput {
  name: string;
  title: string;
  startedAt: string;
  unit: 'req/s';
  method: string;
  settings: Record<string, string | number | boolean>;
  contenders: BenchContender[];
  ratios: BenchRatio[];
  checks?: BenchCheck[];
  notes?: string[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** numerator / denominator per round, and their median (rounds compare contenders under the same conditions). */
export function ratioOfRounds(
  name: string,
  rounds: Record<string, number[]>,
  numerator: string,
  denominator: string,
  target?: number,
): BenchRatio {
  const values = rounds[numerator]!.map((v, i) => v / rounds[denominator]![i]!);
  const value = median(values);
  return {
    name,
    numerator,
    denominator: [denominator],
    value,
    ...(target === undefined ? {} : { target, met: value >= target }),
    rounds: values,
  };
}

/** Writes `.data/bench/<name>.json`, prints the figures as tables. */
export function writeBenchReport(input: BenchReportInput): string {
  const root = resolve(__dirname, '../../..');
  let commit: { sha: string; dirty: boolean } | undefined;
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    });
    commit = { sha, dirty: dirty.trim() !== '' };
  } catch {
    commit = undefined;
  }
  const report = {
    ...input,
    finishedAt: new Date().toISOString(),
    node: process.version,
    ...(commit ? { commit } : {}),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAvg: loadavg() },
  };
  const dir = join(root, '.data', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${input.name}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const fix = (n: number | undefined, d: number) => (n === undefined ? '-' : n.toFixed(d));
  console.log(`\n${input.title} (${input.unit}; medians over rounds)`);
  console.table(
    input.contenders.map((c) => ({
      contender: c.name,
      'req/s': int(c.reqPerSec),
      'p50 ms': fix(c.p50Ms, 2),
      'p99 ms': fix(c.p99Ms, 2),
      'server CPU µs/req': fix(c.cpuUsPerRequest.server, 1),
      'load gen CPU µs/req': fix(c.cpuUsPerRequest.loadGenerator, 1),
      failures: c.failures ?? 0,
      rounds: (c.rounds ?? []).map(int).join(' / '),
    })),
  );
  console.table(
    input.ratios.map((r) => ({
      ratio: r.name,
      value: `${r.value.toFixed(2)}x`,
      target: r.target === undefined ? '' : `>= ${r.target}x`,
      result: r.met === undefined ? '' : r.met ? 'met' : 'missed',
      rounds: r.rounds.map((v) => v.toFixed(2)).join(' / '),
    })),
  );
  if (input.checks?.length) console.table(input.checks);
  for (const note of input.notes ?? []) console.log(`  ${note}`);
  console.log(`\n  figures written to ${file}`);
  return file;
}
