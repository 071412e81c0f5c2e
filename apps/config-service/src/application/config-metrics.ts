import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type SnapshotKind = 'write' | 'touch';

/** config-service's own Prometheus metrics (next to the platform's and the Redis runtime's on /metrics). */
export class ConfigMetrics {
  private readonly records: Counter<'kind'>;
  private readonly statements: Counter;
  private readonly rows: Counter;
  private readonly failures: Counter;
  private readonly lag: Histogram;
  private readonly rehydrations: Counter<'outcome'>;

  constructor(registry: Registry, pending: () => number) {
    const registers = [registry];
    this.records = new Counter({
      name: 'config_snapshot_records_total',
      help: 'Snapshots handed to the write-behind: acknowledged writes, and reads refreshing the last activity',
      labelNames: ['kind'],
      registers,
    });
    this.statements = new Counter({
      name: 'config_snapshot_statements_total',
      help: 'PostgreSQL statements the snapshot write-behind sent (one multi-row upsert per batch chunk)',
      registers,
    });
    this.rows = new Counter({
      name: 'config_snapshot_rows_total',
      help: 'Snapshot rows sent (at most one per session per batch)',
      registers,
    });
    this.failures = new Counter({
      name: 'config_snapshot_flush_failures_total',
      help: 'Snapshot batches PostgreSQL refused or did not answer (retried)',
      registers,
    });
    this.lag = new Histogram({
      name: 'config_snapshot_lag_seconds',
      help: 'Time from the oldest write of a batch to its commit in PostgreSQL',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.rehydrations = new Counter({
      name: 'config_session_rehydrations_total',
      help: 'Session reads and writes that missed Redis and went to the PostgreSQL snapshot, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'config_snapshot_pending',
      help: 'Sessions whose latest snapshot waits in the write-behind',
      registers,
      collect() {
        this.set(pending());
      },
    });
  }

  recorded(kind: SnapshotKind): void {
    this.records.inc({ kind });
  }

  flushed(statements: number, rows: number, oldestLagSeconds: number): void {
    this.statements.inc(statements);
    this.rows.inc(rows);
    this.lag.observe(oldestLagSeconds);
  }

  flushFailed(): void {
    this.failures.inc();
  }

  rehydration(
    outcome:
      | 'restored'
      | 'expired'
      | 'unknown'
      | 'snapshot-pending'
      | 'finalized'
      | 'newer-in-redis'
      | 'redis-unavailable',
  ): void {
    this.rehydrations.inc({ outcome });
  }
}
