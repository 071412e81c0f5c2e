import type { RedisConnection } from '../clients/redis-connection';
import type { RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';

export interface HotKeyTrackerOptions {
  /** A `cache` workload connection. */
  connection: RedisConnection;
  /** Share of reads recorded by `sample` and `countSampled`. @default 1/32 */
  sampleRate?: number;
  /** Members kept per set. @default 200 */
  maxMembers?: number;
  /** TTL of a set, seconds, within its family's range. @default the family's minimum */
  ttlSeconds?: number;
  /** How often `count`ed reads are sent to Redis, ms (once `start`ed). @default 5_000 */
  flushIntervalMs?: number;
  /** Distinct members counted in process per set between flushes; reads of further members are dropped. @default 1_000 */
  maxBufferedMembers?: number;
  /** @default Math.random */
  random?: () => number;
}

/** Members sent per script call when flushing (bounds one call's argument list). */
const FLUSH_CHUNK = 200;

/**
 * The most-read members of a versioned set (e.g. offers of one catalog version), what a publish pre-warms.
 * Three ways to feed it: `sample` sends a share of reads straight to Redis; `count` adds every read to an
 * in-process tally that a timer sends in one batch per set, so a read costs a Map update and no Redis command;
 * `countSampled` adds only a share of reads to that tally, so most reads cost one random draw.
 * Bounded (trimmed to `maxMembers`) and TTL'd; recording never fails or slows a read.
 */
export class HotKeyTracker {
  private readonly sampleRate: number;
  private readonly maxMembers: number;
  private readonly maxBufferedMembers: number;
  private readonly random: () => number;
  private readonly pending = new Map<string, { set: RedisKey; counts: Map<string, number> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HotKeyTrackerOptions) {
    this.sampleRate = options.sampleRate ?? 1 / 32;
    this.maxMembers = options.maxMembers ?? 200;
    this.maxBufferedMembers = options.maxBufferedMembers ?? 1_000;
    this.random = options.random ?? Math.random;
  }

  /**
   * Records a read of `member` with probability `sampleRate`, without waiting for Redis. The set may be given as a
   * function: it is then built only for the sampled reads (building a key checks every segment).
   */
  sample(set: RedisKey | (() => RedisKey), member: string): void {
    if (this.random() >= this.sampleRate) return;
    this.send(typeof set === 'function' ? set() : set, [member, 1]).catch(() => undefined);
  }

  /**
   * Counts a read of `member` in process with probability `sampleRate` (sent with the next flush). For reads
   * served from memory, where even a sampled Redis command per read is a measurable share of the work.
   */
  countSampled(set: RedisKey | (() => RedisKey), member: string): void {
    if (this.random() >= this.sampleRate) return;
    this.count(typeof set === 'function' ? set() : set, member);
  }

  /** Counts a read of `member` in process; sent with the next flush. */
  count(set: RedisKey, member: string): void {
    let entry = this.pending.get(set.key);
    if (entry === undefined) this.pending.set(set.key, (entry = { set, counts: new Map() }));
    const current = entry.counts.get(member);
    if (current !== undefined) entry.counts.set(member, current + 1);
    else if (entry.counts.size < this.maxBufferedMembers) entry.counts.set(member, 1);
  }

  /** Flushes counted reads every `flushIntervalMs` until `stop`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /** Stops the timer and sends what is still counted. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Sends the counted reads, one script call per set (per 200 members); counts lost to a Redis failure are dropped.
   * With `sets`, only those sets' counts (e.g. the previous version's, when a publish is about to pre-warm from
   * them); the others wait for the next flush.
   */
  async flush(sets?: readonly RedisKey[]): Promise<void> {
    if (this.pending.size === 0) return;
    let batches: { set: RedisKey; counts: Map<string, number> }[];
    if (sets === undefined) {
      batches = [...this.pending.values()];
      this.pending.clear();
    } else {
      batches = [];
      for (const { key } of sets) {
        const batch = this.pending.get(key);
        if (batch === undefined) continue;
        batches.push(batch);
        this.pending.delete(key);
      }
    }
    const calls: Promise<unknown>[] = [];
    for (const { set, counts } of batches) {
      let args: (string | number)[] = [];
      for (const [member, count] of counts) {
        args.push(member, count);
        if (args.length === 2 * FLUSH_CHUNK) {
          calls.push(this.send(set, args));
          args = [];
        }
      }
      if (args.length > 0) calls.push(this.send(set, args));
    }
    await Promise.allSettled(calls);
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

  private send(set: RedisKey, memberCounts: (string | number)[]): Promise<unknown> {
    const ttlMs = assertTtlSeconds(set.family, this.options.ttlSeconds ?? set.family.ttlSeconds?.min) * 1000;
    return this.options.connection.script('trackHotKey', [set], [this.maxMembers, ttlMs, ...memberCounts]);
  }
}
