import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics';

export type CacheEvent =
  | 'hit'
  | 'near_hit'
  | 'miss'
  | 'stale'
  | 'early_refresh'
  | 'set_failure'
  | 'fallback'
  | 'decode_error'
  | 'load'
  /** The fill lock's Redis failed: loaded without the lock instead of waiting for a fill nobody runs. */
  | 'fill_lock_unavailable'
  /** Another process held the fill lock, but its value did not arrive within `waitMs` (or Redis failed): loaded. */
  | 'fill_wait_expired'
  /** A fill or `set` refused in Redis: the key was invalidated after the read, or holds a higher version. */
  | 'write_refused'
  /** A fill that took longer than half the fence TTL: served, not written. */
  | 'late_fill';

export type LeaseResult = 'acquired' | 'contended' | 'error';

export type RateLimitSource = 'redis' | 'insurance' | 'fail-open';

export interface RuntimeMetricsOptions {
  /** Registry to register into; services pass the one behind their `/metrics`. @default a new Registry */
  registry?: Registry;
  /** Metric name prefix. @default 'redis_runtime_' */
  prefix?: string;
}

/** The library's Prometheus metrics, cheap enough for every Redis command on the hot path. */
export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly commandDuration: FastHistogram;
  private readonly cacheEvents: FastCounter;
  private readonly rateLimitDecisions: FastCounter;
  private readonly leaseAcquisitions: FastCounter;
  private readonly leaseWait: FastHistogram;
  private readonly leaseLost: FastCounter;
  private readonly luaErrors: FastCounter;
  private readonly accessDenials: FastCounter;
  private readonly timeouts: FastCounter;

  constructor(options: RuntimeMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const p = options.prefix ?? 'redis_runtime_';
    const r = this.registry;
    this.commandDuration = new FastHistogram(
      `${p}command_duration_seconds`,
      'Redis operation latency by command, key family and workload',
      ['command', 'family', 'workload', 'outcome'],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      r,
    );
    this.cacheEvents = new FastCounter(
      `${p}cache_events_total`,
      'Cache hits, near-cache hits, misses, stale serves, early refreshes, loads, set failures, fallbacks, decode errors, unavailable fill locks, expired fill waits, refused and late writes by key family',
      ['family', 'event'],
      r,
    );
    this.rateLimitDecisions = new FastCounter(
      `${p}rate_limit_decisions_total`,
      'Rate-limit decisions by policy; source is redis, insurance (local budget while Redis is down) or fail-open',
      ['policy', 'decision', 'source'],
      r,
    );
    this.leaseAcquisitions = new FastCounter(
      `${p}lease_acquisitions_total`,
      'Lease acquisition attempts by key family and result',
      ['family', 'result'],
      r,
    );
    this.leaseWait = new FastHistogram(
      `${p}lease_wait_seconds`,
      'Time spent waiting for a lease',
      ['family'],
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      r,
    );
    this.leaseLost = new FastCounter(
      `${p}lease_lost_total`,
      'Leases that expired or were taken over while their work was running',
      ['family'],
      r,
    );
    this.luaErrors = new FastCounter(`${p}lua_errors_total`, 'Lua script errors by script', ['script'], r);
    this.accessDenials = new FastCounter(
      `${p}access_denied_total`,
      'Commands the ACL user was refused (NOPERM) by command and workload',
      ['command', 'workload'],
      r,
    );
    this.timeouts = new FastCounter(
      `${p}timeouts_total`,
      'Redis operations that exceeded their timeout budget',
      ['family', 'workload'],
      r,
    );
  }

  command(command: string, family: string, workload: string, outcome: 'ok' | 'error', seconds: number): void {
    this.commandDuration.observe4(command, family, workload, outcome, seconds);
  }

  cache(family: string, event: CacheEvent, count = 1): void {
    this.cacheEvents.inc2(family, event, count);
  }

  rateLimit(policy: string, decision: 'allowed' | 'rejected', source: RateLimitSource): void {
    this.rateLimitDecisions.inc3(policy, decision, source);
  }

  lease(family: string, result: LeaseResult, waitSeconds?: number): void {
    this.leaseAcquisitions.inc([family, result]);
    if (waitSeconds !== undefined) this.leaseWait.observe([family], waitSeconds);
  }

  leaseLostEvent(family: string): void {
    this.leaseLost.inc([family]);
  }

  luaError(script: string): void {
    this.luaErrors.inc([script]);
  }

  accessDenied(command: string, workload: string): void {
    this.accessDenials.inc([command, workload]);
  }

  timeout(family: string, workload: string): void {
    this.timeouts.inc([family, workload]);
  }
}
