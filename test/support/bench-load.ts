// What the service benchmarks share: one autocannon run at saturation reduced to what their reports hold, and two
// small helpers. Latency at a fixed offered load is `pacedLoad` (bench-paced-load.ts).
import autocannon from 'autocannon';
import { percentile } from './bench-report';

export interface LoadResult {
  reqPerSec: number;
  /** From every response's own time (sub-millisecond; autocannon's histogram has 1 ms resolution). */
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

/** One closed-loop run against one URL at saturation: a GET, or a POST of `body` as JSON when given. */
export async function load(options: {
  url: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
}): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
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
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    // Completed requests over the measured time (autocannon's per-second average drops the partial last second).
    reqPerSec: result.requests.total / options.durationS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
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
