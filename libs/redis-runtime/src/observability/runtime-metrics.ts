import { Counter, Histogram, Registry } from 'prom-client';

export type CacheEvent =
  | 'hit'
  | 'near_hit'
  | 'miss'
  | 'stale'
  | 'early_refresh'
  | 'set_failure'
  | 'fallback'
  | 'decode_error'
  | 'load';

export type LeaseResult = 'acquired' | 'contended' | 'error';

export interface RuntimeMetricsOptions {
  /** Registry to register into; services pass the one behind their `/metrics`. @default a new Registry */
  registry?: Registry;
  /** Metric name prefix. @default 'redis_runtime_' */
  prefix?: string;
}

/**
 * The library's Prometheus metrics. Label children are cached so that hot paths pay one Map lookup, not
 * prom-client's label hashing, per observation.
 */
export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly commandDuration: Histogram<'command' | 'family' | 'workload' | 'outcome'>;
  private readonly cacheEvents: Counter<'family' | 'event'>;
  private readonly rateLimitDecisions: Counter<'policy' | 'decision' | 'source'>;
  private readonly leaseAcquisitions: Counter<'family' | 'result'>;
  private readonly leaseWait: Histogram<'family'>;
  private readonly leaseLost: Counter<'family'>;
  private readonly luaErrors: Counter<'script'>;
  private readonly timeouts: Counter<'family' | 'workload'>;
  private readonly counters = new Map<string, { inc(v?: number): void }>();
  private readonly histograms = new Map<string, { observe(v: number): void }>();

  constructor(options: RuntimeMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const p = options.prefix ?? 'redis_runtime_';
    const registers = [this.registry];
    this.commandDuration = new Histogram({
      name: `${p}command_duration_seconds`,
      help: 'Redis operation latency by command, key family and workload',
      labelNames: ['command', 'family', 'workload', 'outcome'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.cacheEvents = new Counter({
      name: `${p}cache_events_total`,
      help: 'Cache hits, misses, stale serves, set failures, fallbacks and decode errors by key family',
      labelNames: ['family', 'event'],
      registers,
    });
    this.rateLimitDecisions = new Counter({
      name: `${p}rate_limit_decisions_total`,
      help: 'Rate-limit decisions by policy; source is redis, insurance (local budget while Redis is down) or fail-open',
      labelNames: ['policy', 'decision', 'source'],
      registers,
    });
    this.leaseAcquisitions = new Counter({
      name: `${p}lease_acquisitions_total`,
      help: 'Lease acquisition attempts by key family and result',
      labelNames: ['family', 'result'],
      registers,
    });
    this.leaseWait = new Histogram({
      name: `${p}lease_wait_seconds`,
      help: 'Time spent waiting for a lease',
      labelNames: ['family'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.leaseLost = new Counter({
      name: `${p}lease_lost_total`,
      help: 'Leases that expired or were taken over while their work was running',
      labelNames: ['family'],
      registers,
    });
    this.luaErrors = new Counter({
      name: `${p}lua_errors_total`,
      help: 'Lua script errors by script',
      labelNames: ['script'],
      registers,
    });
    this.timeouts = new Counter({
      name: `${p}timeouts_total`,
      help: 'Redis operations that exceeded their timeout budget',
      labelNames: ['family', 'workload'],
      registers,
    });
  }

  command(command: string, family: string, workload: string, outcome: 'ok' | 'error', seconds: number): void {
    const id = `c|${command}|${family}|${workload}|${outcome}`;
    let child = this.histograms.get(id);
    if (!child) {
      child = this.commandDuration.labels(command, family, workload, outcome);
      this.histograms.set(id, child);
    }
    child.observe(seconds);
  }

  cache(family: string, event: CacheEvent, count = 1): void {
    this.counter(`k|${family}|${event}`, () => this.cacheEvents.labels(family, event)).inc(count);
  }

  rateLimit(policy: string, decision: 'allowed' | 'rejected', source: 'redis' | 'insurance' | 'fail-open'): void {
    this.counter(`r|${policy}|${decision}|${source}`, () =>
      this.rateLimitDecisions.labels(policy, decision, source),
    ).inc();
  }

  lease(family: string, result: LeaseResult, waitSeconds?: number): void {
    this.counter(`l|${family}|${result}`, () => this.leaseAcquisitions.labels(family, result)).inc();
    if (waitSeconds !== undefined) this.leaseWait.labels(family).observe(waitSeconds);
  }

  leaseLostEvent(family: string): void {
    this.leaseLost.labels(family).inc();
  }

  luaError(script: string): void {
    this.luaErrors.labels(script).inc();
  }

  timeout(family: string, workload: string): void {
    this.timeouts.labels(family, workload).inc();
  }

  private counter(id: string, make: () => { inc(v?: number): void }) {
    let child = this.counters.get(id);
    if (!child) {
      child = make();
      this.counters.set(id, child);
    }
    return child;
  }
}
