import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerProcessMetrics } from './process-metrics';

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('registerProcessMetrics', () => {
  it('exports the resident set size, heap use and event-loop delay percentiles', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const text = await registry.metrics();
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(1024 * 1024);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('shares one set of collectors between registries, and tolerates a second call on one registry', async () => {
    const [a, b] = [new Registry(), new Registry()];
    registerProcessMetrics(a);
    registerProcessMetrics(b);
    registerProcessMetrics(a);
    expect(a.getSingleMetric('nodejs_eventloop_lag_p99_seconds')).toBe(
      b.getSingleMetric('nodejs_eventloop_lag_p99_seconds'),
    );
    expect((await a.metrics()).match(/^process_resident_memory_bytes /gm)).toHaveLength(1);
  });
});
