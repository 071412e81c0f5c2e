import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { UNMATCHED_ROUTE } from './request-log-context';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** `http_request_duration_seconds{method, route, status}` by route pattern, recorded for every response. */
export function registerHttpMetrics(instance: FastifyInstance, registry: Registry): void {
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  instance.addHook('onResponse', (request, reply, done) => {
    histogram.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
