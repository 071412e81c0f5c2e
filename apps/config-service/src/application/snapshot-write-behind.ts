import { SnapshotStoreUnavailableError } from '../domain/config.errors';
import type { ConfigMetrics, SnapshotKind } from './config-metrics';
import type { ConfigRepository, SnapshotRecord } from './config-repository';

export interface SnapshotWriteBehindOptions {
  /**
   * Every recorded snapshot is committed within this many ms (batches leave after half of it, leaving the other
   * half for the statement and a retry). 0: `record` resolves only once its snapshot is committed.
   */
  maxLagMs: number;
  /** Sessions waiting at most; past it `record` waits for the commit too (back-pressure). */
  maxPending: number;
  metrics: ConfigMetrics;
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** @default Date.now */
  now?: () => number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

interface Entry {
  record: SnapshotRecord;
  /** When this session's oldest unsent change was recorded (ms). */
  since: number;
  waiters: Waiter[];
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;
const CLOSE_DEADLINE_MS = 10_000;

/**
 * The write-behind of session snapshots: keeps the latest recorded snapshot of each session in memory and upserts
 * them in batches, one multi-row statement per batch, so a burst of writes to one session costs one row and writes
 * of many sessions share one statement. A batch leaves `maxLagMs / 2` after its oldest write (or at once when the
 * lag is 0: concurrent writers share a commit); a failed batch is kept, merged with newer snapshots, and retried.
 * `close` sends what is left.
 */
export class SnapshotWriteBehind {
  private pending = new Map<string, Entry>();
  private timer: { cancel(): void; immediate: boolean } | undefined;
  private running: Promise<void> | undefined;
  private retryMs = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly repository: Pick<ConfigRepository, 'upsertSnapshots'>,
    private readonly options: SnapshotWriteBehindOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Records the latest snapshot of a session (merged with one already waiting: the higher version wins, the later
   * activity is kept). Resolves at once, or, with a lag of 0 or too many sessions waiting, once it is committed
   * (rejecting with `SnapshotStoreUnavailableError` if that batch failed; it is retried anyway).
   */
  record(record: SnapshotRecord, kind: SnapshotKind): Promise<void> {
    this.options.metrics.recorded(kind);
    const key = keyOf(record.tenantId, record.sessionId);
    const existing = this.pending.get(key);
    const entry = existing ?? { record, since: this.now(), waiters: [] };
    if (existing) existing.record = merged(existing.record, record);
    else this.pending.set(key, entry);
    if (this.options.maxLagMs === 0 || this.pending.size > this.options.maxPending || this.closed) {
      const committed = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
      this.schedule(0);
      return committed;
    }
    this.schedule(this.dueIn());
    return Promise.resolve();
  }

  /** The snapshot of a session still waiting here, if any (newer than PostgreSQL's). */
  pendingOf(tenantId: string, sessionId: string): SnapshotRecord | undefined {
    return this.pending.get(keyOf(tenantId, sessionId))?.record;
  }

  /** Sends everything waiting now. */
  async flush(): Promise<void> {
    this.clearTimer();
    await this.running;
    while (this.pending.size > 0) await this.runOnce();
  }

  /** Stops the timer and sends what is left (retrying for a while if PostgreSQL fails). */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.running;
    const deadline = this.now() + CLOSE_DEADLINE_MS;
    while (this.pending.size > 0) {
      await this.runOnce();
      if (this.pending.size === 0) break;
      if (this.now() > deadline) {
        this.options.logger.error(
          { sessions: this.pending.size },
          'snapshots could not be written before shutdown; they are lost unless Redis keeps the drafts',
        );
        return;
      }
      await sleep(this.retryMs);
    }
  }

  private dueIn(): number {
    let oldest = Infinity;
    for (const entry of this.pending.values()) {
      oldest = entry.since;
      break; // insertion order: the first entry is the oldest
    }
    return Math.max(this.retryMs, oldest + this.options.maxLagMs / 2 - this.now());
  }

  private schedule(delayMs: number): void {
    if (this.running) return; // the running batch schedules the next one when it ends
    if (this.timer !== undefined) {
      if (delayMs > 0 || this.timer.immediate) return;
      this.clearTimer();
    }
    const start = () => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0 && !this.closed) this.schedule(this.dueNow() ? 0 : this.dueIn());
      });
    };
    if (delayMs <= 0) {
      // After this turn's I/O callbacks: writers answered in the same turn join the batch (a shared commit).
      const handle = setImmediate(start);
      this.timer = { cancel: () => clearImmediate(handle), immediate: true };
    } else {
      const handle = setTimeout(start, delayMs);
      this.timer = { cancel: () => clearTimeout(handle), immediate: false };
    }
  }

  /** Someone waits for a commit (lag 0 or back-pressure): go now, after any retry pause. */
  private dueNow(): boolean {
    if (this.retryMs > 0) return false;
    for (const entry of this.pending.values()) if (entry.waiters.length > 0) return true;
    return false;
  }

  private async runOnce(): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    const entries = [...batch.values()];
    try {
      const statements = await this.repository.upsertSnapshots(entries.map((e) => e.record));
      const oldest = Math.min(...entries.map((e) => e.since));
      this.options.metrics.flushed(statements, entries.length, (this.now() - oldest) / 1000);
      this.retryMs = 0;
      for (const entry of entries) for (const waiter of entry.waiters) waiter.resolve();
    } catch (error) {
      this.options.metrics.flushFailed();
      this.retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryMs * 2));
      this.options.logger.warn(
        { err: error, sessions: entries.length, retryInMs: this.retryMs },
        'snapshot batch failed; retrying',
      );
      const failure =
        error instanceof SnapshotStoreUnavailableError
          ? error
          : new SnapshotStoreUnavailableError('the snapshot could not be written', { cause: error });
      // Back in front of what arrived meanwhile (they are older), merged with it; the waiters learn of the failure.
      const retry = new Map<string, Entry>();
      for (const [key, entry] of batch) {
        for (const waiter of entry.waiters) waiter.reject(failure);
        const newer = this.pending.get(key);
        retry.set(key, {
          record: newer ? merged(entry.record, newer.record) : entry.record,
          since: entry.since,
          waiters: newer?.waiters ?? [],
        });
      }
      for (const [key, entry] of this.pending) if (!retry.has(key)) retry.set(key, entry);
      this.pending = retry;
    }
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

function keyOf(tenantId: string, sessionId: string): string {
  return `${tenantId} ${sessionId}`;
}

/** The higher version's snapshot, with the later of the two activities. */
function merged(a: SnapshotRecord, b: SnapshotRecord): SnapshotRecord {
  const newer = b.version >= a.version ? b : a;
  const lastActivityAt = a.lastActivityAt > b.lastActivityAt ? a.lastActivityAt : b.lastActivityAt;
  const expiresAt = a.expiresAt > b.expiresAt ? a.expiresAt : b.expiresAt;
  return { ...newer, lastActivityAt, expiresAt };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
