// Renders the benchmark figures of docs/benchmarks.md and the root README's short summary from the reports
// the benches wrote (`.data/bench/<name>.json`, see bench-report.ts). Pure: reading and writing files is
// scripts/generate-bench-docs.ts (`npm run docs:bench`).
import { formatRatio, type BenchReport } from './bench-report';
import { soakTables } from './soak-tables';

/** Benches in this order first, any other after them by name. */
const ORDER = ['runtime', 'catalog', 'pricing', 'config', 'order', 'soak'];

export function sortReports(reports: readonly BenchReport[]): BenchReport[] {
  const rank = (name: string) => {
    const i = ORDER.indexOf(name);
    return i < 0 ? ORDER.length : i;
  };
  return [...reports].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Throws unless `value` has the fields the renderers read (a report from another version of the helper fails here). */
export function parseBenchReport(text: string, source: string): BenchReport {
  const value = JSON.parse(text) as Partial<BenchReport>;
  const missing = (
    ['name', 'title', 'startedAt', 'node', 'method', 'unit', 'contenders', 'ratios'] as const
  ).filter((field) => value[field] === undefined);
  if (missing.length) throw new Error(`${source}: not a bench report (missing ${missing.join(', ')})`);
  return value as BenchReport;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 1 ? n.toFixed(3) : n.toFixed(2));
const us = (n: number | undefined) => (n === undefined ? '' : n.toFixed(2));
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const targetOf = (target: number | undefined) => (target === undefined ? 'reference' : `>= ${target}x`);
const resultOf = (met: boolean | undefined) => (met === undefined ? '' : met ? 'met' : '**missed**');

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function provenance(report: BenchReport): string {
  const commit = report.commit
    ? `commit \`${report.commit.sha.slice(0, 10)}\`${report.commit.dirty ? ' with uncommitted changes' : ''}`
    : 'commit unknown';
  const machine = report.machine
    ? `${report.machine.cpus} CPUs (${report.machine.cpuModel}), load average at the end ${report.machine.loadAvg.join(' / ')}`
    : 'machine unknown';
  return `Run ${when(report.startedAt)}, Node ${report.node}, ${commit}, ${machine}.`;
}

function settingsLine(report: BenchReport): string {
  const settings = Object.entries(report.settings ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const quick = report.nonDefaultKnobs?.length
    ? ` **Not the default settings** (${report.nonDefaultKnobs.join(', ')}): a quick check, not figures to compare.`
    : '';
  return `Settings: ${settings || 'defaults'}.${quick}`;
}

/** One bench's section of docs/benchmarks.md. */
export function renderReportSection(report: BenchReport): string {
  const unit = report.unit;
  const perWhat = unit === 'ops/s' ? 'op' : 'request';
  const lines: string[] = [
    `### ${report.name}: ${report.title}`,
    '',
    provenance(report),
    settingsLine(report),
    '',
  ];
  lines.push(`Method: ${report.method}`, '');
  lines.push(
    ...table(
      [
        'contender',
        unit,
        'p50 ms',
        'p99 ms',
        `CPU µs/${perWhat}: server`,
        'load generator',
        'Redis',
        'per round',
      ],
      report.contenders.map((c) => [
        c.name,
        int(c.reqPerSec),
        ms(c.p50Ms),
        ms(c.p99Ms),
        us(c.cpuUsPerRequest.server),
        us(c.cpuUsPerRequest.loadGenerator),
        us(c.cpuUsPerRequest.redis),
        (c.rounds ?? []).map(int).join(' / ') + (c.failures ? ` (${c.failures} failures)` : ''),
      ]),
      [false, true, true, true, true, true, true, false],
    ),
    '',
  );
  if (report.ratios.length) {
    lines.push(
      ...table(
        ['ratio', 'value', 'target', 'result', 'per round'],
        report.ratios.map((r) => [
          r.name,
          formatRatio(r.value, r.target),
          targetOf(r.target),
          resultOf(r.met),
          r.rounds.map((x) => x.toFixed(2)).join(' '),
        ]),
        [false, true, false, false, false],
      ),
      '',
    );
    for (const r of report.ratios) {
      if (!r.denominatorPicks) continue;
      const counts = new Map<string, number>();
      for (const p of r.denominatorPicks) counts.set(p, (counts.get(p) ?? 0) + 1);
      const picks = [...counts]
        .map(([name, n]) => `${name} (${n} of ${r.denominatorPicks!.length})`)
        .join(', ');
      lines.push(`- ${r.name}: fastest baseline per round: ${picks}.`);
    }
    if (report.ratios.some((r) => r.denominatorPicks)) lines.push('');
  }
  if (report.fixedLoad?.length) {
    lines.push(
      ...table(
        [
          'at a fixed offered load',
          'offered req/s',
          'achieved req/s',
          'p50 ms',
          'p99 ms',
          'sustained',
          'p99 per round',
        ],
        report.fixedLoad.map((f) => [
          f.name,
          int(f.offeredReqPerSec),
          int(f.achievedReqPerSec),
          ms(f.p50Ms),
          ms(f.p99Ms),
          f.sustained ? 'yes' : '**no**',
          (f.rounds?.p99Ms ?? []).map(ms).join(' '),
        ]),
        [false, true, true, true, true, false, false],
      ),
      '',
    );
  }
  if (report.checks?.length) {
    lines.push(
      ...table(
        ['check', 'value', 'expected', 'result'],
        report.checks.map((c) => [c.name, c.value.toFixed(3), c.expected, resultOf(c.met)]),
        [false, true, false, false],
      ),
      '',
    );
  }
  for (const note of report.notes ?? []) lines.push(`- ${note}`);
  if (report.notes?.length) lines.push('');
  if (report.soak) {
    for (const t of soakTables(report.soak))
      lines.push(`${t.title}:`, '', ...table(t.header, t.rows, t.right), '');
  }
  return lines.join('\n');
}

/** The generated part of docs/benchmarks.md: every report, in bench order. */
export function renderBenchmarksDoc(reports: readonly BenchReport[]): string {
  return sortReports(reports).map(renderReportSection).join('\n').trimEnd();
}

/**
 * The README's short table: the ratios that have a target (met or missed), then how many checks each bench without
 * such a ratio met (the soak), then when each bench ran. Every other ratio, every contender, every check and the
 * latency at a fixed offered load are in docs/benchmarks.md.
 */
export function renderReadmeSummary(reports: readonly BenchReport[]): string {
  const sorted = sortReports(reports);
  const lines = table(
    ['bench', 'ratio (median of per-round ratios)', 'value', 'target', 'result'],
    sorted.flatMap((report) =>
      report.ratios
        .filter((r) => r.target !== undefined)
        .map((r) => [
          report.name,
          r.name,
          formatRatio(r.value, r.target),
          targetOf(r.target),
          resultOf(r.met),
        ]),
    ),
    [false, false, true, false, false],
  );
  const runs = sorted.map((r) => {
    const quick = r.nonDefaultKnobs?.length ? ', quick-check settings' : '';
    const commit = r.commit
      ? `, \`${r.commit.sha.slice(0, 10)}\`${r.commit.dirty ? ' (uncommitted changes)' : ''}`
      : '';
    return `${r.name} ${when(r.startedAt)}${commit}${quick}`;
  });
  const checked = sorted.filter((r) => r.checks?.length && !r.ratios.some((x) => x.target !== undefined));
  if (checked.length) {
    const counts = checked.map((r) => {
      const met = r.checks!.filter((c) => c.met).length;
      const missed = r.checks!.length - met;
      return `${r.name} ${met} of ${r.checks!.length} checks met${missed ? ` (**${missed} missed**)` : ''}`;
    });
    lines.push('', `Checks: ${counts.join('; ')}.`);
  }
  lines.push('', `Runs: ${runs.join('; ')}.`);
  return lines.join('\n');
}

/**
 * Replaces what lies between `<!-- <marker>:begin ... -->` and `<!-- <marker>:end -->` in `document` with `content`.
 * Throws when the markers are missing, so a moved section is noticed instead of silently not updated.
 */
export function replaceGenerated(document: string, marker: string, content: string): string {
  const begin = new RegExp(`<!-- ${marker}:begin[^>]*-->\\n`);
  const end = `<!-- ${marker}:end -->`;
  const b = begin.exec(document);
  const e = document.indexOf(end);
  if (!b || e < b.index) throw new Error(`markers <!-- ${marker}:begin --> ... ${end} not found`);
  return `${document.slice(0, b.index + b[0].length)}${content}\n${document.slice(e)}`;
}
