import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { SessionNotFoundError, SessionSnapshotPendingError } from '../domain/config.errors';
import { SessionDrafts, uuidV7Time } from './session-drafts';

// A session the session store lost and no store holds a copy of: neither PostgreSQL nor this process's write-behind.
function draftsWithNoCopy(storeTrouble = true) {
  const outcomes: string[] = [];
  const drafts = new SessionDrafts(
    { read: async () => ({ outcome: 'missing' }) } as never,
    { findSnapshot: async () => undefined } as never,
    { pendingOf: () => undefined } as never,
    { rehydration: (outcome: string) => outcomes.push(outcome) } as never,
    { ttlSeconds: 3600, touchIntervalMs: 60_000, snapshotMaxLagMs: 2_000 },
  );
  if (storeTrouble) drafts.noteStoreTrouble(Date.now() - 1_000);
  const load = (sessionId: string) => drafts.load('t1', sessionId);
  return { load, outcomes };
}

describe('a session found nowhere', () => {
  it('younger than the snapshot lag (+1 s of clock skew), the store failing lately: 503, another instance may hold it', async () => {
    const { load, outcomes } = draftsWithNoCopy();
    await expect(load(uuidv7({ msecs: Date.now() - 500 }))).rejects.toBeInstanceOf(
      SessionSnapshotPendingError,
    );
    await expect(load(uuidv7({ msecs: Date.now() - 2_500 }))).rejects.toBeInstanceOf(
      SessionSnapshotPendingError,
    );
    expect(outcomes).toEqual(['snapshot-pending', 'snapshot-pending']);
  });

  it('older than that, or an id that carries no time: 404, it does not exist (or expired long ago)', async () => {
    const { load, outcomes } = draftsWithNoCopy();
    await expect(load(uuidv7({ msecs: Date.now() - 3_500 }))).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(load(uuidv4())).rejects.toBeInstanceOf(SessionNotFoundError);
    expect(outcomes).toEqual(['unknown', 'unknown']);
  });

  it('with the session store healthy all along: 404, however young (e.g. another tenant’s session)', async () => {
    const { load, outcomes } = draftsWithNoCopy(false);
    await expect(load(uuidv7({ msecs: Date.now() - 100 }))).rejects.toBeInstanceOf(SessionNotFoundError);
    expect(outcomes).toEqual(['unknown']);
  });

  it('reads the creation time of a UUIDv7 only', () => {
    expect(uuidV7Time(uuidv7({ msecs: 1_796_306_644_502 }))).toBe(1_796_306_644_502);
    expect(uuidV7Time(uuidv4())).toBeUndefined();
    expect(uuidV7Time('not-a-uuid')).toBeUndefined();
  });
});
