/**
 * A Map that forgets everything once it holds `limit` entries: for per-process memos (session facts, last touch
 * times) where losing an entry only costs a Redis read or an extra snapshot, and memory must stay bounded.
 */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.limit && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
