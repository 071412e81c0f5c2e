// The fault campaign's report (`.data/faults/last-run.json`, written by test/faults/fault-campaign.test.ts) and its
// one table, printed by the test and rendered into docs/failure-behaviour.md by `npm run docs:faults`
// (scripts/generate-fault-docs.ts). Pure: no file access here.
import { join } from 'node:path';

export const FAULT_REPORT_FILE = join(__dirname, '..', '..', '.data', 'faults', 'last-run.json');
/** Each service back within this long of its dependency's return (issue 14). */
export const RECOVERY_BOUND_MS = 2_000;

export interface FaultRow {
  fault: string;
  requests: number;
  /** Answers by status (`0`: no answer: the instance was killed with the request in flight). */
  byStatus: Record<string, number>;
  /** Each check of the phase with its failures (empty: held). */
  invariants: { name: string; failures: string[] }[];
  /** From the dependency's return to every service answering its probes 2xx; null: not recovered in the phase. */
  recoveryMs: number | null;
  recoveryByService?: Record<string, number | null>;
  /** Facts worth a line, e.g. the measured session loss. */
  notes?: string[];
}

export interface FaultReport {
  startedAt: string;
  wallSeconds: number;
  /** Offered load, instances, budgets: one line. */
  setup: string;
  rows: FaultRow[];
  /** The end checks in PostgreSQL and Kafka. */
  endChecks: { name: string; checked: string; failures: string[] }[];
  machine?: { cpus: number; loadAvgAtEnd: number[] };
  commit?: string;
}

export function parseFaultReport(text: string, source: string): FaultReport {
  const value = JSON.parse(text) as Partial<FaultReport>;
  const missing = (['startedAt', 'wallSeconds', 'setup', 'rows', 'endChecks'] as const).filter(
    (field) => value[field] === undefined,
  );
  if (missing.length)
    throw new Error(`${source}: not a fault campaign report (missing ${missing.join(', ')})`);
  return value as FaultReport;
}

/** Every phase invariant held, every recovery within the bound, every end check held. */
export function campaignPassed(report: FaultReport): boolean {
  return (
    report.rows.every(
      (r) =>
        r.invariants.every((i) => i.failures.length === 0) &&
        r.recoveryMs !== null &&
        r.recoveryMs <= RECOVERY_BOUND_MS,
    ) && report.endChecks.every((c) => c.failures.length === 0)
  );
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function statuses(byStatus: Record<string, number>): string {
  return Object.entries(byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status === '0' ? 'no answer' : status} ${n}`)
    .join(', ');
}

function invariants(row: FaultRow): string {
  const failed = row.invariants.filter((i) => i.failures.length > 0);
  if (failed.length === 0) return `${row.invariants.length} held`;
  return `**failed**: ${failed.map((i) => `${i.name} (${i.failures.length})`).join('; ')}`;
}

function recovery(row: FaultRow): string {
  if (row.recoveryMs === null) return '**not recovered**';
  const over = row.recoveryMs > RECOVERY_BOUND_MS ? ' **over 2 s**' : '';
  return `${Math.round(row.recoveryMs)}${over}`;
}

/** The Markdown table and the lines around it (what the docs show between the markers). */
export function renderFaultTable(report: FaultReport): string {
  const lines = [
    `Run ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(report.wallSeconds)} s wall` +
      `${report.commit ? `, commit \`${report.commit}\`` : ''}` +
      `${report.machine ? `, ${report.machine.cpus} CPUs, load average at the end ${report.machine.loadAvgAtEnd.map((n) => n.toFixed(2)).join(' / ')}` : ''}` +
      `. ${campaignPassed(report) ? 'Every invariant held.' : '**Some invariant failed.**'}`,
    '',
    report.setup,
    '',
    '| fault | requests | answers by status | invariants | recovery ms |',
    '|---|---:|---|---|---:|',
    ...report.rows.map(
      (r) =>
        `| ${cell(r.fault)} | ${r.requests} | ${statuses(r.byStatus)} | ${cell(invariants(r))} | ${recovery(r)} |`,
    ),
    '',
    'At the end, in PostgreSQL and Kafka:',
    '',
    ...report.endChecks.map(
      (c) =>
        `- ${c.name} (${c.checked}): ${c.failures.length === 0 ? 'held' : `**failed** (${c.failures.length}): ${c.failures.slice(0, 3).join('; ')}`}`,
    ),
  ];
  const notes = report.rows.flatMap((r) => (r.notes ?? []).map((n) => `- ${r.fault}: ${n}`));
  if (notes.length) lines.push('', 'Notes:', '', ...notes);
  return lines.join('\n');
}
