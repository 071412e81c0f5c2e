import type { FastifyInstance } from 'fastify';
import { FastHistogram } from '@cpq/redis-runtime';
import type { Registry } from 'prom-client';
import { UNMATCHED_ROUTE } from './request-log-context';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** `http_request_duration_seconds{method, route, status}` by route pattern, recorded for every response. */
export function registerHttpMetrics(instance: FastifyInstance, registry: Registry): void {
  // FastHistogram (redis-runtime): prom-client would hash the label set on every response.
  const histogram = new FastHistogram(
    'http_request_duration_seconds',
    'HTTP request latency by method, route pattern and status',
    ['method', 'route', 'status'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  );
  instance.addHook('onResponse', (request, reply, done) => {
    histogram.observe3(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      statusLabel(reply.statusCode),
      reply.elapsedTime / 1000,
    );
    done();
  });
}

const STATUS_LABELS = new Map<number, string>();
function statusLabel(status: number): string {
  let label = STATUS_LABELS.get(status);
  if (label === undefined) STATUS_LABELS.set(status, (label = String(status)));
  return label;
}
