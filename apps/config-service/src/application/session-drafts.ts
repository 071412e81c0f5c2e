import type { VersionedDocuments } from '@cpq/redis-runtime';
import { SessionNotFoundError, SessionSnapshotPendingError } from '../domain/config.errors';
import type { SessionDraft } from '../domain/session';
import { BoundedMap } from './bounded-map';
import type { ConfigMetrics } from './config-metrics';
import type { ConfigRepository, SnapshotRecord, StoredSnapshot } from './config-repository';
import type { SnapshotWriteBehind } from './snapshot-write-behind';

/** A session as found: its live draft in the session store, or its durable snapshot. */
export type LoadedSession =
  | {
      source: 'store';
      version: number;
      draft: SessionDraft;
      /** A finalize has started (see `SessionDraft.finalizing`). */
      sealed: boolean;
      /** Taken before the store was asked: never later than the TTL the store slid. */
      activityAt: number;
      /** Brought back from the snapshot by this load. */
      rehydrated: boolean;
    }
  /** FINALIZED (read from PostgreSQL only), or a draft while the session store is unavailable. */
  | { source: 'snapshot'; snapshot: StoredSnapshot; activityAt: number };

export interface SessionDraftsOptions {
  ttlSeconds: number;
  /** Reads refresh the snapshot's last activity at most this often per session and process. */
  touchIntervalMs: number;
  /** `CONFIG_SNAPSHOT_MAX_LAG_MS`: every instance commits a snapshot at most this long after the write. */
  snapshotMaxLagMs: number;
}

/** Beyond the lag: the clocks of the instance that created a session and of this one may differ a little. */
const CLOCK_SKEW_MS = 1_000;

/** The creation time a UUIDv7 carries (its first 48 bits, ms since the epoch); undefined for another version. */
export function uuidV7Time(id: string): number | undefined {
  const hex = id.replace(/-/g, '');
  if (hex.length !== 32 || hex[12] !== '7') return undefined;
  return Number.parseInt(hex.slice(0, 12), 16);
}

/** Sessions whose last read refreshed the snapshot's last activity, remembered at most. */
const TOUCHED_LIMIT = 100_000;

/**
 * Where a session is read from. The session store (Redis) first, sliding the draft's TTL; on a miss the latest
 * durable copy (this process's write-behind if it holds a newer one, else the PostgreSQL snapshot) is put back
 * into the store, never over a newer version, unless the snapshot says the draft expired: an expired draft stays
 * gone. FINALIZED sessions are answered from PostgreSQL and never put back. With the store unavailable, the
 * durable copy answers.
 */
export class SessionDrafts {
  private readonly touched = new BoundedMap<number>(TOUCHED_LIMIT);
  /** When this process last found the session store unavailable (it may have lost what it held). */
  private storeTroubleAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: VersionedDocuments<SessionDraft>,
    private readonly repository: ConfigRepository,
    private readonly writeBehind: SnapshotWriteBehind,
    private readonly metrics: ConfigMetrics,
    private readonly options: SessionDraftsOptions,
  ) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** Throws `SessionNotFoundError` for an unknown or expired session (ownership is the caller's check). */
  async load(tenantId: string, sessionId: string): Promise<LoadedSession> {
    const activityAt = Date.now();
    const read = await this.store.read(tenantId, sessionId, this.options.ttlSeconds);
    switch (read.outcome) {
      case 'found':
        return {
          source: 'store',
          version: read.document.version,
          draft: read.document.value,
          sealed: read.document.sealed === true,
          activityAt,
          rehydrated: false,
        };
      case 'missing':
        return this.rehydrate(tenantId, sessionId, activityAt);
      case 'unavailable': {
        this.noteStoreTrouble();
        this.metrics.rehydration('redis-unavailable');
        const durable = await this.liveDurable(tenantId, sessionId, activityAt);
        return { source: 'snapshot', snapshot: durable, activityAt };
      }
    }
  }

  /** The session store failed a command of this process (see `liveDurable`). */
  noteStoreTrouble(at = Date.now()): void {
    this.storeTroubleAt = at;
  }

  /** After a miss: puts the durable copy back (see the class comment). */
  async rehydrate(tenantId: string, sessionId: string, activityAt = Date.now()): Promise<LoadedSession> {
    const durable = await this.liveDurable(tenantId, sessionId, activityAt);
    if (durable.status === 'FINALIZED') return { source: 'snapshot', snapshot: durable, activityAt };
    const restored = await this.store.restore(
      tenantId,
      sessionId,
      durable.document,
      durable.version,
      this.options.ttlSeconds,
    );
    switch (restored.outcome) {
      case 'written':
        this.metrics.rehydration('restored');
        return {
          source: 'store',
          version: durable.version,
          draft: durable.document,
          sealed: false,
          activityAt,
          rehydrated: true,
        };
      case 'conflict': {
        // Someone put back or wrote a newer version meanwhile: that one is the session.
        this.metrics.rehydration('newer-in-redis');
        const read = await this.store.read(tenantId, sessionId, this.options.ttlSeconds);
        if (read.outcome === 'found') {
          return {
            source: 'store',
            version: read.document.version,
            draft: read.document.value,
            sealed: read.document.sealed === true,
            activityAt,
            rehydrated: false,
          };
        }
        return { source: 'snapshot', snapshot: durable, activityAt };
      }
      default:
        this.noteStoreTrouble();
        this.metrics.rehydration('redis-unavailable');
        return { source: 'snapshot', snapshot: durable, activityAt };
    }
  }

  /**
   * Records a read as activity on the snapshot, at most once per `touchIntervalMs` per session (always after a
   * rehydration), so a draft kept alive by reads alone outlives a Redis loss.
   */
  touch(
    tenantId: string,
    sessionId: string,
    version: number,
    draft: SessionDraft,
    activityAt: number,
    force = false,
  ) {
    const key = `${tenantId} ${sessionId}`;
    const last = this.touched.get(key);
    if (!force && last !== undefined && activityAt - last < this.options.touchIntervalMs) return;
    this.touched.set(key, activityAt);
    void this.writeBehind
      .record(this.snapshotOf(tenantId, version, draft, activityAt), 'touch')
      .catch(() => undefined);
  }

  /** The snapshot of a draft written (or read) at `activityAt`. */
  snapshotOf(tenantId: string, version: number, draft: SessionDraft, activityAt: number): SnapshotRecord {
    this.touched.set(`${tenantId} ${draft.sessionId}`, activityAt);
    return {
      tenantId,
      sessionId: draft.sessionId,
      ownerSub: draft.ownerSub,
      version,
      catalogVersion: draft.catalogVersion,
      document: draft,
      lastActivityAt: new Date(activityAt),
      expiresAt: this.expiresAt(activityAt),
    };
  }

  expiresAt(activityAt: number): Date {
    return new Date(activityAt + this.options.ttlSeconds * 1000);
  }

  /**
   * The newest durable copy that is FINALIZED or not expired at `at`; else `SessionNotFoundError`, unless the
   * session store failed this process within the snapshot lag and the session (its id says when it was created)
   * is younger than that lag: the store may have lost it while another instance still holds its only copy in its
   * write-behind, so `SessionSnapshotPendingError` (503) until that snapshot must have landed. With the store
   * healthy a miss is a miss (404: e.g. another tenant's session).
   */
  private async liveDurable(tenantId: string, sessionId: string, at: number): Promise<StoredSnapshot> {
    const durable = await this.durable(tenantId, sessionId);
    if (durable === undefined) {
      const window = this.options.snapshotMaxLagMs + CLOCK_SKEW_MS;
      const createdAt = uuidV7Time(sessionId);
      if (createdAt !== undefined && at - createdAt < window && at - this.storeTroubleAt < window) {
        this.metrics.rehydration('snapshot-pending');
        throw new SessionSnapshotPendingError();
      }
      this.metrics.rehydration('unknown');
      throw new SessionNotFoundError();
    }
    if (durable.status === 'FINALIZED') {
      this.metrics.rehydration('finalized');
      return durable;
    }
    if (durable.expiresAt.getTime() <= at) {
      this.metrics.rehydration('expired');
      throw new SessionNotFoundError();
    }
    return durable;
  }

  private async durable(tenantId: string, sessionId: string): Promise<StoredSnapshot | undefined> {
    const stored = await this.repository.findSnapshot(tenantId, sessionId);
    if (stored?.status === 'FINALIZED') return stored;
    const pending = this.writeBehind.pendingOf(tenantId, sessionId);
    if (pending && (!stored || pending.version > stored.version)) return { ...pending, status: 'DRAFT' };
    return stored;
  }
}
