import type { EventEnvelope } from '@cpq/contracts';
import type { Configuration, SessionDraft, SessionStatus } from '../domain/session';

/** The durable copy of a session at one version (a row of `config.session_snapshots`). */
export interface SnapshotRecord {
  tenantId: string;
  sessionId: string;
  ownerSub: string;
  version: number;
  catalogVersion: number;
  document: SessionDraft;
  /** The last activity recorded for the draft (writes always, reads at most once a minute). */
  lastActivityAt: Date;
  /** `lastActivityAt` + the draft's lifetime: past it the snapshot is never brought back. */
  expiresAt: Date;
}

export interface StoredSnapshot extends SnapshotRecord {
  status: SessionStatus;
}

export interface FinalizeCommand {
  snapshot: SnapshotRecord;
  configurationId: string;
  requestId: string | undefined;
  event: EventEnvelope;
}

export type FinalizeOutcome =
  | { outcome: 'finalized'; finalizedAt: Date }
  /** The session already has a configuration (another finalize committed it): nothing written. */
  | { outcome: 'already-finalized'; configurationId: string }
  /** The snapshot holds a newer version than the one being finalized: nothing written. */
  | { outcome: 'stale'; storedVersion: number };

/**
 * What config-service keeps in PostgreSQL. Every method throws `SnapshotStoreUnavailableError` when PostgreSQL
 * fails, never a driver error.
 */
export interface ConfigRepository {
  /**
   * Upserts snapshots (at most one per session) in one multi-row statement per chunk; a row never goes to a lower
   * version, and a FINALIZED row is never touched. Returns the statements sent.
   */
  upsertSnapshots(records: readonly SnapshotRecord[]): Promise<number>;
  findSnapshot(tenantId: string, sessionId: string): Promise<StoredSnapshot | undefined>;
  /**
   * One transaction: the configuration row, the snapshot marked FINALIZED at `snapshot.version`, the outbox row.
   */
  finalize(command: FinalizeCommand): Promise<FinalizeOutcome>;
  findConfiguration(tenantId: string, configurationId: string): Promise<Configuration | undefined>;
  findConfigurationIdOfSession(tenantId: string, sessionId: string): Promise<string | undefined>;
}
