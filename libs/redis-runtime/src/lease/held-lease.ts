import { performance } from 'node:perf_hooks';
import type { Lease, LeaseResource } from './lease-manager';
import { validUntil } from './lease-timing';

/** The `Lease` handed out by `RedisLeaseManager`; only the manager moves its validity forward. */
export class HeldLease implements Lease {
  private validUntilMs: number;

  constructor(
    readonly resource: LeaseResource,
    readonly token: string,
    readonly fencingToken: bigint,
    readonly ttlMs: number,
    sentAtMs: number,
    pttlMs: number,
  ) {
    this.validUntilMs = validUntil(sentAtMs, pttlMs, ttlMs);
  }

  get remainingMs(): number {
    return Math.max(0, Math.floor(this.validUntilMs - performance.now()));
  }

  isValid(): boolean {
    return this.remainingMs > 0;
  }

  /** After a successful extension sent at `sentAtMs`. */
  renewed(sentAtMs: number, pttlMs: number, ttlMs: number): void {
    this.validUntilMs = Math.max(this.validUntilMs, validUntil(sentAtMs, pttlMs, ttlMs));
  }

  /** After the lease was found lost: never valid again. */
  expire(): void {
    this.validUntilMs = -Infinity;
  }
}
