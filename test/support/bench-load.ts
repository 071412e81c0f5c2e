// What both benchmarks share: one autocannon run reduced to what their tables print, and two small helpers.
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
  /** CPU time of this process (the load generator) per completed request, µs. */
  clientCpuUs: number;
}

/** One run against one URL: a GET, or a POST of `body` as JSON when given. */
export async function load(options: {
  url: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
}): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: options.url,
    ...(options.body === undefined
      ? { method: 'GET', headers: options.headers ?? {} }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: options.body,
        }),
    connections: options.connections,
    pipelining: 1,
    duration: options.durationS,
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    // Completed requests over the measured time (autocannon's per-second average drops the partial last second).
    reqPerSec: result.requests.total / options.durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
    sent: (result.requests as { sent?: number }).sent ?? result.requests.total,
    clientCpuUs: (cpu.user + cpu.system) / Math.max(1, result.requests.total),
  };
}

/** CPU seconds a Redis server has used so far (`INFO cpu`, main thread and children). */
export async function redisCpuSeconds(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** A positive number from the environment (e.g. `BENCH_ROUNDS`), else `fallback`. */
export function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * `a` over `b` in req/s, paired by round: each round measures every target back to back, so a round's ratio
 * compares them under the same machine conditions. On a shared machine whose speed drifts between rounds (this
 * one's varied up to 2x), the median of those ratios is far steadier than the ratio of the two medians.
 */
export function pairedRatio(a: LoadResult[], b: LoadResult[]): { median: number; rounds: number[] } {
  const rounds = a.map((run, i) => run.reqPerSec / (b[i]?.reqPerSec ?? NaN));
  return { median: median(rounds), rounds };
}
