// Regenerates the benchmark figures in docs/benchmarks.md and the short summary on the root README from the
// reports the benches wrote (`npm run docs:bench [-- --dir <folder of <name>.json reports>]`, default .data/bench).
// Only the text between the `bench-figures` / `bench-summary` markers changes.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  parseBenchReport,
  renderBenchmarksDoc,
  renderReadmeSummary,
  replaceGenerated,
  sortReports,
} from '../test/support/bench-docs';
import { BENCH_REPORT_DIR } from '../test/support/bench-report';

const root = join(__dirname, '..');
const dirFlag = process.argv.indexOf('--dir');
const dir = dirFlag >= 0 && process.argv[dirFlag + 1] ? process.argv[dirFlag + 1]! : BENCH_REPORT_DIR;

const files = readdirSync(dir, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
  .map((entry) => join(dir, entry.name));
if (files.length === 0) {
  console.error(`no bench reports (*.json) in ${dir}: run the benches first (npm run bench:runtime, ...)`);
  process.exit(1);
}
const reports = sortReports(files.map((file) => parseBenchReport(readFileSync(file, 'utf8'), file)));

const docPath = join(root, 'docs', 'benchmarks.md');
const readmePath = join(root, 'README.md');
writeFileSync(
  docPath,
  replaceGenerated(readFileSync(docPath, 'utf8'), 'bench-figures', renderBenchmarksDoc(reports)),
);
writeFileSync(
  readmePath,
  replaceGenerated(readFileSync(readmePath, 'utf8'), 'bench-summary', renderReadmeSummary(reports)),
);
for (const r of reports) {
  const quick = r.nonDefaultKnobs?.length ? ' (quick-check settings)' : '';
  console.log(
    `  ${r.name}: ${r.startedAt}${quick}, ${r.contenders.length} contenders, ${r.ratios.length} ratios`,
  );
}
console.log(
  `${relative(root, docPath)} and README.md: figures from ${reports.length} report(s) in ${relative(root, dir) || dir}`,
);
