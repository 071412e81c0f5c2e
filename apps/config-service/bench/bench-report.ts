// STAND-IN for the shared `writeBenchReport` (TEAM.md interface 3, test/support, being built by the bench helper):
// same input shape, same file (.data/bench/<name>.json), a printed table. Switching over = importing theirs instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../../test/support/bench-services';

export interface BenchContender {
  name: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: { server?: number; loadGenerator?: number; redis?: number };
  rounds?: number[];
}

export interface BenchRatio {
  name: string;
  value: number;
  target?: number;
  met?: boolean;
  rounds: number[];
}

export interface BenchReport {
  name: string;
  startedAt: string;
  node: string;
  /** Fixed text describing how the figures are measured. */
  method: string;
  contenders: BenchContender[];
  ratios: BenchRatio[];
  fixedLoad?: unknown[];
}

/** Writes `.data/bench/<name>.json` and prints the contenders and ratios as tables. */
export function writeBenchReport(report: BenchReport): string {
  const dir = join(ROOT, '.data', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.name}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  const w = Math.max(
    ...report.contenders.map((c) => c.name.length),
    ...report.ratios.map((r) => r.name.length),
  );
  const f = (n: number | undefined, digits = 1) =>
    n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
  console.log('');
  console.log(
    `  ${'contender'.padEnd(w)}  ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(6)}  ${'p99 ms'.padStart(6)}  ` +
      `${'CPU µs/req server / loadgen / redis'.padStart(36)}  rounds req/s`,
  );
  for (const c of report.contenders) {
    const cpu = `${f(c.cpuUsPerRequest.server)} / ${f(c.cpuUsPerRequest.loadGenerator)} / ${f(c.cpuUsPerRequest.redis)}`;
    console.log(
      `  ${c.name.padEnd(w)}  ${Math.round(c.reqPerSec).toString().padStart(7)}  ${f(c.p50Ms).padStart(6)}  ` +
        `${f(c.p99Ms).padStart(6)}  ${cpu.padStart(36)}  ${(c.rounds ?? []).map((r) => Math.round(r)).join(' / ')}`,
    );
  }
  console.log('');
  for (const r of report.ratios) {
    const target =
      r.target === undefined ? '' : `  (target ${r.name.includes('<=') ? '<=' : '>='} ${r.target})`;
    const met = r.met === undefined ? '' : r.met ? '  ok' : '  MISSED';
    console.log(
      `  ${r.name.padEnd(w)}  ${f(r.value, 3).padStart(7)}${target}${met}  rounds ${r.rounds.map((x) => f(x, 3)).join(' ')}`,
    );
  }
  console.log(`\n  report: ${file}`);
  return file;
}
