// Prints one plain summary line over every vitest project from the JSON reporter's file.
// A run that produced no results file, or executed no test, fails loudly.
const fs = require('node:fs');
const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log('0 passed, 0 failed');
  console.error(`no test results at ${file}: the run crashed before reporting`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const failedSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
const passed = r.numPassedTests ?? 0;
const failed = (r.numFailedTests ?? 0) + failedSuites;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
if (passed + failed === 0) {
  console.error('no test was executed');
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
