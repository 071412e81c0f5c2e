import type { RedisConnection } from '../clients/redis-connection';
import type { RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';

export interface HotKeyTrackerOptions {
  /** A `cache` workload connection. */
  connection: RedisConnection;
  /** Share of reads recorded: a hit costs one extra command only this often. @default 1/32 */
  sampleRate?: number;
  /** Members kept per set. @default 200 */
  maxMembers?: number;
  /** TTL of a set, seconds, within its family's range. @default the family's minimum */
  ttlSeconds?: number;
  /** @default Math.random */
  random?: () => number;
}

/**
 * The most-read members of a versioned set (e.g. offers of one catalog version), from sampled reads: what a
 * publish pre-warms. Bounded (trimmed to `maxMembers`) and TTL'd; recording never fails or slows a read.
 */
export class HotKeyTracker {
  private readonly sampleRate: number;
  private readonly maxMembers: number;
  private readonly random: () => number;

  constructor(private readonly options: HotKeyTrackerOptions) {
    this.sampleRate = options.sampleRate ?? 1 / 32;
    this.maxMembers = options.maxMembers ?? 200;
    this.random = options.random ?? Math.random;
  }

  /** Records a read of `member` with probability `sampleRate`, without waiting for Redis. */
  sample(set: RedisKey, member: string): void {
    if (this.random() >= this.sampleRate) return;
    const ttlMs = assertTtlSeconds(set.family, this.options.ttlSeconds ?? set.family.ttlSeconds?.min) * 1000;
    this.options.connection
      .script('trackHotKey', [set], [member, this.maxMembers, ttlMs])
      .catch(() => undefined);
  }

  /** The `limit` most-read members, most read first; empty when the set is gone or Redis fails. */
  async top(set: RedisKey, limit: number): Promise<string[]> {
    try {
      return await this.options.connection.observe('zrevrange', set.family, (c) =>
        c.zrevrange(set.key, 0, limit - 1),
      );
    } catch {
      return [];
    }
  }
}
