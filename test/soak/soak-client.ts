// The soak's load generator: an open loop that releases requests at a fixed rate in 5 ms ticks, whatever the
// services answer (a slow answer never delays the next release: no coordinated omission), over keep-alive
// connections. A request's latency runs from its release, so time spent queued for a free connection counts.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from '../support/bench-report';

export interface SoakRequest {
  /** The route's pattern, e.g. `GET /v1/tenants/{t}/orders/{orderId}`: statistics and errors are per route. */
  route: string;
  /** `http://127.0.0.1:<port>` of the instance to send it to. */
  origin: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Called with the answer (status 0: no answer: connection error or timeout). */
  onResponse?: (status: number, body: string, headers: http.IncomingHttpHeaders) => void;
}

export interface RouteStats {
  route: string;
  count: number;
  byStatus: Record<string, number>;
  latenciesMs: number[];
}

const TICK_MS = 5;
const TIMEOUT_MS = 30_000;

/** Sends requests and keeps per-route statistics. */
export class SoakClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly routes = new Map<string, RouteStats>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Requests released, answered (any status) and in flight. */
  released = 0;
  answered = 0;

  /** Sends one request now; resolves with its status once answered (0 when none came). */
  send(request: SoakRequest, releasedAt = performance.now()): Promise<number> {
    this.released++;
    this.inFlight++;
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const url = new URL(request.path, request.origin);
    return new Promise<number>((resolve) => {
      let settled = false;
      const done = (status: number, body: string, headers: http.IncomingHttpHeaders) => {
        if (settled) return;
        settled = true;
        this.record(request.route, status, performance.now() - releasedAt);
        this.inFlight--;
        this.answered++;
        try {
          request.onResponse?.(status, body, headers);
        } finally {
          if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
          resolve(status);
        }
      };
      const req = http.request(
        {
          agent: this.agent,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: request.method,
          headers: {
            ...request.headers,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers));
          res.on('error', () => done(0, '', {}));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(0, '', {}));
      req.end(payload);
    });
  }

  /**
   * Releases `ratePerSec` requests a second for `durationMs`, each from `next()` (undefined: nothing to send this
   * time, counted as skipped), then waits for the answers still in flight (at most the request timeout).
   */
  async runOpenLoop(options: {
    ratePerSec: number;
    durationMs: number;
    next: () => SoakRequest | undefined;
  }): Promise<{ released: number; skipped: number; maxReleaseLagMs: number }> {
    const t0 = performance.now();
    const total = Math.round((options.ratePerSec * options.durationMs) / 1000);
    let released = 0;
    let skipped = 0;
    let maxReleaseLagMs = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - t0) / 1000) * options.ratePerSec));
        for (; released < due; released++) {
          // Latency runs from when the request was due, so a late tick of this loop counts against the answer.
          const dueAt = t0 + (released * 1000) / options.ratePerSec;
          maxReleaseLagMs = Math.max(maxReleaseLagMs, now - dueAt);
          const request = options.next();
          if (request) void this.send(request, dueAt);
          else skipped++;
        }
        if (released >= total) return resolve();
        setTimeout(tick, TICK_MS);
      };
      setTimeout(tick, TICK_MS);
    });
    await this.drained(TIMEOUT_MS + 1_000);
    return { released, skipped, maxReleaseLagMs };
  }

  /** Resolves once nothing is in flight, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }

  stats(): RouteStats[] {
    return [...this.routes.values()].sort((a, b) => b.count - a.count);
  }

  /** Forgets every statistic (after the set-up, so the soak's figures hold its traffic only). */
  reset(): void {
    this.routes.clear();
    this.released = 0;
    this.answered = 0;
  }

  close(): void {
    this.agent.destroy();
  }

  private record(route: string, status: number, ms: number): void {
    let stats = this.routes.get(route);
    if (!stats) this.routes.set(route, (stats = { route, count: 0, byStatus: {}, latenciesMs: [] }));
    stats.count++;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    stats.latenciesMs.push(ms);
  }
}

/** p50 and p99 of one route's (or all routes') latencies. */
export function latencyOf(latencies: readonly number[]): { p50Ms: number; p99Ms: number } {
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
