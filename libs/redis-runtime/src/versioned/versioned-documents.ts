import type { RedisRuntimeError } from '../errors';

/** A document and the version it was stored as (1 for a new document, +1 on every replace). */
export interface Versioned<T> {
  version: number;
  value: T;
  /** Present (true) only on a sealed document: one that accepts no further `replace`. */
  sealed?: true;
}

export interface VersionedDocumentsUnavailable {
  outcome: 'unavailable';
  /** Redis failed, timed out, or answered something unexpected: decide from the durable copy. */
  error: RedisRuntimeError;
}

export type VersionedReadOutcome<T> =
  | { outcome: 'found'; document: Versioned<T> }
  /** Nothing stored, expired, or an unreadable value (counted as a decode error): rehydrate from the durable copy. */
  | { outcome: 'missing' }
  | VersionedDocumentsUnavailable;

export type VersionedWriteOutcome =
  | { outcome: 'written'; version: number }
  /** Another version is stored (a concurrent writer won, or a restore found something newer). */
  | { outcome: 'conflict'; storedVersion: number }
  /** replace only: nothing (readable) is stored; the caller restores from the durable copy and decides again. */
  | { outcome: 'missing' }
  /** replace only: the stored document is sealed (e.g. a draft being finalized); no version may replace it. */
  | { outcome: 'sealed'; storedVersion: number }
  | VersionedDocumentsUnavailable;

export interface ReplaceOptions {
  /**
   * Store the new version sealed: later `replace` calls are refused (`sealed`) whatever version they name, while
   * `read` still returns it (with `sealed: true`). For a state after which a draft must not change, e.g. a
   * configuration being finalized. @default false
   */
  seal?: boolean;
}

/**
 * Interactive drafts (e.g. configuration sessions) held in Redis under optimistic concurrency: every write names the
 * version it replaces, so two tabs editing one draft cannot overwrite each other's acknowledged change. Reads and
 * writes slide the TTL. The durable copy lives elsewhere (PostgreSQL snapshots); `restore` puts it back after an
 * expiry or a Redis loss, never over a newer version.
 */
export interface VersionedDocuments<T> {
  /** Reads a document and slides its TTL. */
  read(tenant: string, id: string, ttlSeconds: number): Promise<VersionedReadOutcome<T>>;
  /** Stores version 1 of a new document; `conflict` if the id is taken. */
  create(tenant: string, id: string, value: T, ttlSeconds: number): Promise<VersionedWriteOutcome>;
  /** Stores version `expectedVersion + 1`, only over `expectedVersion` and only if that one is not sealed. */
  replace(
    tenant: string,
    id: string,
    value: T,
    expectedVersion: number,
    ttlSeconds: number,
    options?: ReplaceOptions,
  ): Promise<VersionedWriteOutcome>;
  /** Puts back `version` from the durable copy when nothing, an unreadable value or an older version is stored. */
  restore(
    tenant: string,
    id: string,
    value: T,
    version: number,
    ttlSeconds: number,
  ): Promise<VersionedWriteOutcome>;
}
