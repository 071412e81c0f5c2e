import { describe, expect, it } from 'vitest';
import { replaceGenerated } from './bench-docs';
import { campaignPassed, parseFaultReport, renderFaultTable, type FaultReport } from './fault-report';

const report = (over: Partial<FaultReport> = {}): FaultReport => ({
  startedAt: '2026-12-03T14:00:00.000Z',
  wallSeconds: 181.4,
  setup: 'Load: 40 req/s.',
  rows: [
    {
      fault: 'cache Redis SIGKILL',
      requests: 650,
      byStatus: { '200': 500, '0': 1, '503': 9, '201': 140 },
      invariants: [
        { name: 'every non-2xx documented', failures: [] },
        { name: 'back within 2000 ms', failures: [] },
      ],
      recoveryMs: 412.6,
    },
  ],
  endChecks: [{ name: '0 lost acknowledged orders', checked: '10 keys', failures: [] }],
  ...over,
});

describe('the fault campaign table', () => {
  it('one row per fault: requests, answers by status in status order, invariants, recovery', () => {
    const text = renderFaultTable(report());
    expect(text).toContain('| fault | requests | answers by status | invariants | recovery ms |');
    expect(text).toContain(
      '| cache Redis SIGKILL | 650 | no answer 1, 200 500, 201 140, 503 9 | 2 held | 413 |',
    );
    expect(text).toContain('- 0 lost acknowledged orders (10 keys): held');
    expect(text).toContain('Every invariant held.');
  });

  it('names what failed and a recovery past 2 s or none', () => {
    const failing = report({
      rows: [
        { ...report().rows[0]!, invariants: [{ name: 'every non-2xx documented', failures: ['GET / 500'] }] },
        { ...report().rows[0]!, fault: 'slow', recoveryMs: 2500 },
        { ...report().rows[0]!, fault: 'never', recoveryMs: null },
      ],
    });
    const text = renderFaultTable(failing);
    expect(text).toContain('**failed**: every non-2xx documented (1)');
    expect(text).toContain('| 2500 **over 2 s** |');
    expect(text).toContain('**not recovered**');
    expect(text).toContain('**Some invariant failed.**');
    expect(campaignPassed(failing)).toBe(false);
    expect(campaignPassed(report())).toBe(true);
  });

  it('fits between the docs markers and rejects what is not a report', () => {
    const doc = 'a\n<!-- fault-campaign:begin -->\nold\n<!-- fault-campaign:end -->\nb';
    const next = replaceGenerated(doc, 'fault-campaign', renderFaultTable(report()));
    expect(next).not.toContain('old');
    expect(next.endsWith('<!-- fault-campaign:end -->\nb')).toBe(true);
    expect(() => parseFaultReport('{"rows": []}', 'x.json')).toThrow(/missing startedAt/);
    expect(parseFaultReport(JSON.stringify(report()), 'x.json').rows).toHaveLength(1);
  });
});
