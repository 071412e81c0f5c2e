import type { KeySegment } from '../keys/key-segment';

/** What a lease guards: one resource of the manager's key family, inside one tenant. */
export interface LeaseResource {
  readonly tenant: string;
  /** Key segments naming the resource, e.g. `'v42'`. Escape or hash user input first (`escapeKeySegment`). */
  readonly id: KeySegment | readonly KeySegment[];
}

/** A held lease. Its validity is an estimate on the safe side; the fencing token is what keeps writes correct. */
export interface Lease {
  readonly resource: LeaseResource;
  /** The holder's random token: only it can extend or release the lease. */
  readonly token: string;
  /**
   * Larger than every token handed out before for this resource, even after the lease or counter keys were
   * deleted, evicted or expired. Send it with every write to the protected resource, which must refuse a
   * token lower than the last one it accepted (see `LeaseManager`).
   */
  readonly fencingToken: bigint;
  readonly ttlMs: number;
  /** Milliseconds the lease is surely still held: Redis's PTTL minus the round trip and a drift margin. */
  readonly remainingMs: number;
  isValid(): boolean;
}

export interface AcquireOptions {
  /** Lease TTL; must fall within the key family's TTL range. @default 10_000, clamped into the family's range */
  ttlMs?: number;
  /** How long to retry a contended lease (backoff with jitter, never past the holder's PTTL). @default 0 (one attempt) */
  waitMs?: number;
}

export interface WithLeaseOptions extends AcquireOptions {
  /** How often the lease is extended while the work runs. @default ttlMs / 3 */
  extendEveryMs?: number;
}

export type AcquireResult =
  | { readonly acquired: true; readonly lease: Lease }
  /** `holderTtlMs`: the current holder's remaining PTTL, a hint for when to try again. */
  | { readonly acquired: false; readonly holderTtlMs: number };

/**
 * The protected work. `signal` aborts (reason: `LeaseLostError`) as soon as the lease is known or suspected lost;
 * the work should stop, and its writes must carry `lease.fencingToken` anyway.
 */
export type LeaseWork<T> = (lease: Lease, signal: AbortSignal) => Promise<T>;

/**
 * Short-lived mutual exclusion with fencing tokens. A lease avoids wasted duplicate work; it never makes a write
 * correct on its own: a holder can pause past its TTL and wake up after another holder took over. Correctness
 * comes from the resource refusing stale tokens, e.g. in PostgreSQL (the platform's `FencedJobRunner` does this
 * for jobs, with `<schema>.job_fences`):
 *
 * ```sql
 * update <table> set ..., fencing_token = $token
 *  where id = $id and fencing_token < $token
 * -- 0 rows affected: a newer holder wrote first; this holder's lease is gone, stop.
 * ```
 */
export interface LeaseManager {
  /** One acquire (or several, within `waitMs`). Contention is a result; Redis failure throws a typed error. */
  acquire(resource: LeaseResource, options?: AcquireOptions): Promise<AcquireResult>;
  /** Extends the lease to `ttlMs` (@default the lease's TTL) if it is still this holder's; false otherwise. */
  extend(lease: Lease, ttlMs?: number): Promise<boolean>;
  /** Releases the lease if it is still this holder's; false when it expired or belongs to someone else. */
  release(lease: Pick<Lease, 'resource' | 'token'>): Promise<boolean>;
  /**
   * Acquires, runs `work` while extending the lease in the background, and always releases. Throws
   * `LeaseContendedError` when another holder keeps it past `waitMs`. Returns whatever `work` returns, even
   * when the lease was lost meanwhile: the fenced writes, not this helper, decide what counted.
   */
  withLease<T>(resource: LeaseResource, options: WithLeaseOptions, work: LeaseWork<T>): Promise<T>;
}
