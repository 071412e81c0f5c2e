import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotStoreUnavailableError } from '../domain/config.errors';
import type { SessionDraft } from '../domain/session';
import { ConfigMetrics } from './config-metrics';
import type { SnapshotRecord } from './config-repository';
import { SnapshotWriteBehind } from './snapshot-write-behind';

/** The repository's upsert, recorded: each call is one statement carrying its rows. */
class RecordingWriter {
  readonly batches: SnapshotRecord[][] = [];
  failures = 0;
  async upsertSnapshots(records: readonly SnapshotRecord[]): Promise<number> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connection terminated');
    }
    this.batches.push([...records]);
    return 1;
  }
}

const logger = { warn: () => undefined, error: () => undefined };

function record(sessionId: string, version: number, activityAt = 1_000): SnapshotRecord {
  const draft = { sessionId } as SessionDraft;
  return {
    tenantId: 't1',
    sessionId,
    ownerSub: 'alice',
    version,
    catalogVersion: 1,
    document: draft,
    lastActivityAt: new Date(activityAt),
    expiresAt: new Date(activityAt + 1_800_000),
  };
}

function writeBehind(writer: RecordingWriter, maxLagMs: number, maxPending = 1000) {
  return new SnapshotWriteBehind(writer, {
    maxLagMs,
    maxPending,
    metrics: new ConfigMetrics(new Registry(), () => 0),
    logger,
  });
}

describe('SnapshotWriteBehind', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the writes of many sessions after half the lag, one row per session (its highest version)', async () => {
    vi.useFakeTimers();
    const writer = new RecordingWriter();
    const wb = writeBehind(writer, 2_000);
    for (let v = 1; v <= 20; v++) for (const s of ['a', 'b', 'c']) await wb.record(record(s, v), 'write');
    expect(wb.pendingOf('t1', 'b')?.version).toBe(20);
    await vi.advanceTimersByTimeAsync(999);
    expect(writer.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.batches.map((b) => b.map((r) => [r.sessionId, r.version]))).toEqual([
      [
        ['a', 20],
        ['b', 20],
        ['c', 20],
      ],
    ]);
    expect(wb.size).toBe(0);
  });

  it('keeps the higher version and the later activity when a read is recorded after a write', async () => {
    vi.useFakeTimers();
    const writer = new RecordingWriter();
    const wb = writeBehind(writer, 100);
    await wb.record(record('a', 5, 1_000), 'write');
    await wb.record(record('a', 4, 9_000), 'touch');
    await vi.advanceTimersByTimeAsync(50);
    const [row] = writer.batches[0]!;
    expect(row!.version).toBe(5);
    expect(row!.lastActivityAt.getTime()).toBe(9_000);
    expect(row!.expiresAt.getTime()).toBe(9_000 + 1_800_000);
  });

  it('with a lag of 0, record resolves only after its commit, and concurrent writers share one statement', async () => {
    const writer = new RecordingWriter();
    const wb = writeBehind(writer, 0);
    let done = 0;
    const writes = ['a', 'b', 'c', 'd'].map((s) => wb.record(record(s, 2), 'write').then(() => done++));
    expect(done).toBe(0);
    await Promise.all(writes);
    expect(done).toBe(4);
    expect(writer.batches).toHaveLength(1);
    expect(writer.batches[0]).toHaveLength(4);
  });

  it('a failed batch is kept and retried, merged with what came meanwhile; lag-0 writers learn of the failure', async () => {
    const writer = new RecordingWriter();
    writer.failures = 1;
    const wb = writeBehind(writer, 0);
    await expect(wb.record(record('a', 2), 'write')).rejects.toBeInstanceOf(SnapshotStoreUnavailableError);
    expect(wb.pendingOf('t1', 'a')?.version).toBe(2);
    await wb.record(record('a', 3), 'write');
    expect(writer.batches.flat().map((r) => r.version)).toEqual([3]);
    expect(wb.size).toBe(0);
  });

  it('past maxPending sessions, record waits for the commit (back-pressure)', async () => {
    const writer = new RecordingWriter();
    const wb = writeBehind(writer, 60_000, 2);
    await wb.record(record('a', 1), 'write');
    await wb.record(record('b', 1), 'write');
    expect(writer.batches).toHaveLength(0);
    await wb.record(record('c', 1), 'write');
    expect(
      writer.batches
        .flat()
        .map((r) => r.sessionId)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('close sends what is left without waiting for the lag', async () => {
    const writer = new RecordingWriter();
    const wb = writeBehind(writer, 60_000);
    await wb.record(record('a', 7), 'write');
    await wb.close();
    expect(writer.batches.flat().map((r) => r.version)).toEqual([7]);
  });
});
