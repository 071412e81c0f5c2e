// One autocannon run: POST of one JSON body to one URL, reduced to what the table prints.
import autocannon from 'autocannon';

export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors + timeouts. */
  errors: number;
  non2xx: number;
  /** Completed requests (any status). */
  total: number;
  /** Requests sent, answered or not: the ones still in flight when the run stops reached the service too. */
  sent: number;
}

export async function load(options: {
  url: string;
  headers?: Record<string, string>;
  body: string;
  connections: number;
  durationS: number;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationS,
  });
  return {
    // Completed requests over the measured time (autocannon's per-second average drops the partial last second).
    reqPerSec: result.requests.total / options.durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
    sent: (result.requests as { sent?: number }).sent ?? result.requests.total,
  };
}
