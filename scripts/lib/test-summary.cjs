// Prints the closing line of `npm test`, `N passed, N failed[, N skipped]`, over every vitest project (from the
// JSON reporter's file) and the static checks run before it; exits 1 when anything failed.
//
//   node scripts/lib/test-summary.cjs <vitest.json> [--vitest-exit=<code>] [--check=<name>=<exit code>]...
//
// What counts as a failure besides a failed test:
// - a failed check (`--check=typecheck=2`): one failure each, named on the line above the summary;
// - a test file that failed without a failed test: a `beforeAll`/`afterAll` hook (its tests show as skipped or
//   passed) or the file's import failed. The JSON report does not say which hook, so it is one failure per file
//   (a hook failing in a file that also has a failed test is not counted apart; the run fails anyway);
// - vitest exiting non-zero with no failure in its report (an unhandled error, a failed global setup), or no report.
const fs = require('node:fs');
const path = require('node:path');

/** @returns {{ passed: number, failed: number, skipped: number, notes: string[] }} */
function summarize(report, { vitestExit = 0, checks = [] } = {}) {
  const notes = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const check of checks) {
    if (check.exitCode === 0) passed++;
    else failed++;
  }
  if (checks.length > 0) {
    const outcome = (c) =>
      c.exitCode === 0 ? `${c.name} passed` : `${c.name} FAILED (exit code ${c.exitCode})`;
    notes.push(`checks: ${checks.map(outcome).join(', ')}`);
  }
  if (!report) {
    failed++;
    notes.push('vitest wrote no report: the run crashed before reporting');
    return { passed, failed, skipped, notes };
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  let failedOutsideTests = 0;
  for (const file of report.testResults ?? []) {
    if (file.status !== 'failed') continue;
    if ((file.assertionResults ?? []).some((test) => test.status === 'failed')) continue;
    failedOutsideTests++;
    const reason = file.message ? `: ${file.message.split('\n')[0]}` : ' (error above)';
    notes.push(
      `${path.relative(process.cwd(), file.name)} failed outside its tests (a hook or its import)${reason}`,
    );
  }
  failed += failedOutsideTests;
  if (vitestExit !== 0 && (report.numFailedTests ?? 0) + failedOutsideTests === 0) {
    failed++;
    notes.push(
      `vitest exited with code ${vitestExit} with no failure in its report (an unhandled error? see above)`,
    );
  }
  const executed = (report.numPassedTests ?? 0) + (report.numFailedTests ?? 0);
  if (executed === 0 && failed === 0) {
    failed++;
    notes.push('no test was executed');
  }
  return { passed, failed, skipped, notes };
}

function parseArgs([file, ...flags]) {
  const options = { file, vitestExit: 0, checks: [] };
  for (const flag of flags) {
    const [, name, value] = /^--(vitest-exit|check)=(.+)$/.exec(flag) ?? [];
    if (name === 'vitest-exit') options.vitestExit = Number(value);
    else if (name === 'check') {
      const [check, code] = value.split('=');
      options.checks.push({ name: check, exitCode: Number(code) });
    } else throw new Error(`unknown argument ${flag}`);
  }
  return options;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const report = fs.existsSync(options.file) ? JSON.parse(fs.readFileSync(options.file, 'utf8')) : undefined;
  const { passed, failed, skipped, notes } = summarize(report, options);
  for (const note of notes) console.log(note);
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) main();

module.exports = { summarize };
