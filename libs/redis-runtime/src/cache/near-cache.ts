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

/**
 * Bounded in-process cache with a short TTL, in front of Redis. Values are shared by reference (no copy on
 * read): callers must treat them as immutable. Eviction is insertion-ordered rather than LRU, which keeps a
 * hit at one Map lookup; with a TTL of seconds the difference in hit ratio is small.
 *
 * Fenced fills: every `delete`, `deletePrefix` and `clear` (an invalidation) moves `generation` on. A reader takes
 * `generation` before it asks Redis or the source and passes it to `set`, which then stores nothing if an
 * invalidation ran meanwhile: a read in flight during an invalidation cannot put the old value back. One counter
 * for all keys keeps it to a number compare; an invalidation of another key only costs a skipped near-cache fill.
 */
export class NearCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private invalidations = 0;
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

  /** Stores `value`, unless `since` is given and an invalidation ran after it was taken (see the class comment). */
  set(key: string, value: unknown, now = Date.now(), since?: number): void {
    if (since !== undefined && since !== this.invalidations) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): boolean {
    this.invalidations++;
    return this.entries.delete(key);
  }

  /** Drops every entry whose key starts with `prefix` (e.g. everything of one tenant's catalog). */
  deletePrefix(prefix: string): number {
    this.invalidations++;
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
    this.invalidations++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
