export interface NearCacheOptions {
  /** Most entries held; the oldest inserted is evicted first. @default 10_000 */
  maxEntries?: number;
  /** Time an entry is served without asking Redis, in ms. Short: it bounds staleness when a hint is missed. @default 2_000 */
  ttlMs?: number;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** What one invalidation covered: a key, every key with a prefix, or everything. */
type Invalidation = { key: string } | { prefix: string } | 'all';

/** Invalidations remembered for fenced fills; a read that more of them overtook stores nothing. */
export const RECENT_INVALIDATIONS = 64;

/**
 * Bounded in-process cache with a short TTL, in front of Redis. Values are shared by reference (no copy on
 * read): callers must treat them as immutable. Eviction is insertion-ordered rather than LRU, which keeps a
 * hit at one Map lookup; with a TTL of seconds the difference in hit ratio is small.
 *
 * Fenced fills: every `delete`, `deletePrefix` and `clear` (an invalidation) moves `generation` on and is remembered
 * in a ring of the last RECENT_INVALIDATIONS. A reader takes `generation` before it asks Redis or the source and
 * passes it to `set`, which then stores nothing if an invalidation that covers the key ran meanwhile: a read in
 * flight during an invalidation cannot put the old value back. Invalidations of other keys do not count (with many
 * tenants publishing, a global counter would keep skipping fills of keys nobody changed); when more invalidations
 * ran than the ring holds, the fill is skipped, which is always safe.
 */
export class NearCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private invalidations = 0;
  /** Invalidation number `n` is at `n % RECENT_INVALIDATIONS`. */
  private readonly recent: Invalidation[] = [];
  readonly ttlMs: number;

  constructor(options: NearCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 2_000;
  }

  get(key: string, now = Date.now()): unknown {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** How many invalidations this cache has seen: take it before a read, pass it to `set`. */
  get generation(): number {
    return this.invalidations;
  }

  /**
   * Stores `value`, unless `since` is given and an invalidation of this key ran after it was taken (see the class
   * comment).
   */
  set(key: string, value: unknown, now = Date.now(), since?: number): void {
    if (since !== undefined && this.invalidatedSince(key, since)) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): boolean {
    this.record({ key });
    return this.entries.delete(key);
  }

  /** Drops every entry whose key starts with `prefix` (e.g. everything of one tenant's catalog). */
  deletePrefix(prefix: string): number {
    this.record({ prefix });
    let removed = 0;
    for (const key of this.entries.keys()) {
      if (key.startsWith(prefix)) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.record('all');
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private record(invalidation: Invalidation): void {
    this.recent[this.invalidations % RECENT_INVALIDATIONS] = invalidation;
    this.invalidations++;
  }

  private invalidatedSince(key: string, since: number): boolean {
    const overtaken = this.invalidations - since;
    if (overtaken === 0) return false;
    if (overtaken < 0 || overtaken > RECENT_INVALIDATIONS) return true;
    for (let n = since; n < this.invalidations; n++) {
      const invalidation = this.recent[n % RECENT_INVALIDATIONS]!;
      if (invalidation === 'all') return true;
      if ('key' in invalidation ? invalidation.key === key : key.startsWith(invalidation.prefix)) return true;
    }
    return false;
  }
}
