// Puts the last fault campaign's table (.data/faults/last-run.json, written by `npm run test:faults`) into
// docs/failure-behaviour.md between the `fault-campaign` markers (`npm run docs:faults [-- --file <report>]`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { replaceGenerated } from '../test/support/bench-docs';
import { FAULT_REPORT_FILE, parseFaultReport, renderFaultTable } from '../test/support/fault-report';

const root = join(__dirname, '..');
const fileFlag = process.argv.indexOf('--file');
const file = fileFlag >= 0 && process.argv[fileFlag + 1] ? process.argv[fileFlag + 1]! : FAULT_REPORT_FILE;
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch {
  console.error(`no fault campaign report at ${file}: run npm run test:faults first`);
  process.exit(1);
}
const report = parseFaultReport(text, file);
const docPath = join(root, 'docs', 'failure-behaviour.md');
writeFileSync(
  docPath,
  replaceGenerated(readFileSync(docPath, 'utf8'), 'fault-campaign', renderFaultTable(report)),
);
console.log(`${relative(root, docPath)}: the campaign of ${report.startedAt} (${report.rows.length} faults)`);
