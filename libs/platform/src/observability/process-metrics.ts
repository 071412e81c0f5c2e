import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's default metrics on `registry`: `process_resident_memory_bytes`, `process_cpu_seconds_total`,
 * `nodejs_heap_size_used_bytes`, `nodejs_gc_duration_seconds`, `nodejs_eventloop_lag_p99_seconds` (and min, max,
 * mean, p50, p90: `monitorEventLoopDelay` at 10 ms resolution, reset at every scrape, so each figure covers the time
 * since the previous scrape and includes the 10 ms resolution), handles, file descriptors.
 *
 * Collected once per process and registered into each registry given: a test process builds several services, and
 * one event-loop monitor and one GC observer serve them all (one per service would never be released).
 */
export function registerProcessMetrics(registry: Registry): void {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  for (const { name } of shared.getMetricsAsArray()) {
    const metric = shared.getSingleMetric(name);
    if (metric && !registry.getSingleMetric(name)) registry.registerMetric(metric);
  }
}
