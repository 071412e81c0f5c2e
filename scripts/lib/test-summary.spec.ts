import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Reports shaped like vitest's JSON reporter writes them (fields the summary reads; the rest left out).
const dir = mkdtempSync(join(tmpdir(), 'test-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Status = 'passed' | 'failed' | 'skipped';
const test = (title: string, status: Status) => ({
  fullName: title,
  status,
  failureMessages: status === 'failed' ? ['AssertionError: expected 1 to be 2'] : [],
});
const file = (name: string, status: 'passed' | 'failed', tests: ReturnType<typeof test>[], message = '') => ({
  name: join(process.cwd(), name),
  status,
  message,
  assertionResults: tests,
});
const report = (files: ReturnType<typeof file>[]) => {
  const tests = files.flatMap((f) => f.assertionResults);
  const count = (status: Status) => tests.filter((t) => t.status === status).length;
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: 0,
    testResults: files,
  };
};

let written = 0;
function summary(content: object | undefined, ...flags: string[]): { lines: string[]; exitCode: number } {
  const path = join(dir, `report-${written++}.json`);
  if (content) writeFileSync(path, JSON.stringify(content));
  try {
    const out = execFileSync('node', ['scripts/lib/test-summary.cjs', path, ...flags], { encoding: 'utf8' });
    return { lines: out.trim().split('\n'), exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout: string; status: number };
    return { lines: failed.stdout.trim().split('\n'), exitCode: failed.status };
  }
}

const green = file('apps/a/test/green.test.ts', 'passed', [test('a', 'passed'), test('b', 'skipped')]);

describe('test-summary', () => {
  it('ends a green run with the counts and exits 0', () => {
    const { lines, exitCode } = summary(report([green]), '--check=typecheck=0', '--check=lint=0');
    expect(lines.at(-1)).toBe('3 passed, 0 failed, 1 skipped');
    expect(lines).toContain('checks: typecheck passed, lint passed');
    expect(exitCode).toBe(0);
  });

  it('counts a failed typecheck or lint as a failure', () => {
    const { lines, exitCode } = summary(report([green]), '--check=typecheck=2', '--check=lint=1');
    expect(lines).toContain('checks: typecheck FAILED (exit code 2), lint FAILED (exit code 1)');
    expect(lines.at(-1)).toBe('1 passed, 2 failed, 1 skipped');
    expect(exitCode).toBe(1);
  });

  it('counts a failed beforeAll whose tests show as skipped', () => {
    const hook = file('apps/a/test/before.test.ts', 'failed', [test('x', 'skipped'), test('y', 'skipped')]);
    const { lines, exitCode } = summary(report([green, hook]), '--vitest-exit=1');
    expect(lines).toContain(
      'apps/a/test/before.test.ts failed outside its tests (a hook or its import) (error above)',
    );
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 3 skipped');
    expect(exitCode).toBe(1);
  });

  it('counts a failed afterAll whose tests all passed', () => {
    const hook = file('apps/a/test/after.test.ts', 'failed', [test('z', 'passed')], 'pool did not close');
    const { lines, exitCode } = summary(report([hook]), '--vitest-exit=1');
    expect(lines).toContain(
      'apps/a/test/after.test.ts failed outside its tests (a hook or its import): pool did not close',
    );
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    expect(exitCode).toBe(1);
  });

  it('counts a file that failed to import, and failed tests once each', () => {
    const broken = file('apps/a/test/broken.test.ts', 'failed', [], 'Cannot find module x');
    const red = file('apps/a/test/red.test.ts', 'failed', [test('p', 'failed'), test('q', 'failed')]);
    const { lines, exitCode } = summary(report([broken, red]), '--vitest-exit=1');
    expect(lines.at(-1)).toBe('0 passed, 3 failed');
    expect(exitCode).toBe(1);
  });

  it('counts a non-zero vitest exit that its report does not explain', () => {
    const { lines, exitCode } = summary(report([green]), '--vitest-exit=1');
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(exitCode).toBe(1);
  });

  it('fails when vitest wrote no report or ran no test', () => {
    expect(summary(undefined, '--vitest-exit=1', '--check=lint=0')).toEqual({
      lines: [
        'checks: lint passed',
        'vitest wrote no report: the run crashed before reporting',
        '1 passed, 1 failed',
      ],
      exitCode: 1,
    });
    const empty = summary(report([]));
    expect(empty.lines.at(-1)).toBe('0 passed, 1 failed');
    expect(empty.exitCode).toBe(1);
  });
});
