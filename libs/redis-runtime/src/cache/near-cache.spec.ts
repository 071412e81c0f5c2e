import { describe, expect, it } from 'vitest';
import { NearCache, RECENT_INVALIDATIONS } from './near-cache';
import { SingleFlight } from './single-flight';

describe('NearCache', () => {
  it('serves an entry until its TTL passes', () => {
    const cache = new NearCache({ ttlMs: 100 });
    cache.set('k', 1, 1000);
    expect(cache.get('k', 1099)).toBe(1);
    expect(cache.get('k', 1100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never holds more than maxEntries, evicting the oldest first', () => {
    const cache = new NearCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k);
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBe('d');
  });

  it('refuses a fill taken before an invalidation that covers its key, of any kind, and accepts one taken after', () => {
    const cache = new NearCache();
    for (const invalidate of [
      () => cache.delete('k'),
      () => cache.deletePrefix('k'),
      () => cache.deletePrefix(''),
      () => cache.clear(),
    ]) {
      const since = cache.generation;
      invalidate();
      cache.set('k', 'old', Date.now(), since);
      expect(cache.get('k')).not.toBe('old');
      cache.set('k', 'new', Date.now(), cache.generation);
      expect(cache.get('k')).toBe('new');
    }
    cache.set('k', 'unfenced'); // without `since`, as before
    expect(cache.get('k')).toBe('unfenced');
  });

  it('accepts a fill that only invalidations of other keys overtook (many tenants publishing)', () => {
    const cache = new NearCache();
    const since = cache.generation;
    cache.delete('dev:x:t2:current');
    cache.deletePrefix('dev:x:t3:');
    cache.set('dev:x:t1:current', 'v1', Date.now(), since);
    expect(cache.get('dev:x:t1:current')).toBe('v1');
  });

  it('finds a covering invalidation among others, and refuses a fill that more invalidations overtook than it remembers', () => {
    const cache = new NearCache();
    const since = cache.generation;
    cache.delete('other-1');
    cache.deletePrefix('dev:x:t1:');
    cache.delete('other-2');
    cache.set('dev:x:t1:current', 'old', Date.now(), since);
    expect(cache.get('dev:x:t1:current')).toBeUndefined();

    const before = cache.generation;
    for (let i = 0; i < RECENT_INVALIDATIONS; i++) cache.delete(`other-${i}`);
    cache.set('k', 'fits', Date.now(), before);
    expect(cache.get('k')).toBe('fits');
    const longAgo = cache.generation;
    for (let i = 0; i <= RECENT_INVALIDATIONS; i++) cache.delete(`other-${i}`);
    cache.set('k2', 'too-old-to-tell', Date.now(), longAgo);
    expect(cache.get('k2')).toBeUndefined();
  });

  it('drops entries by prefix', () => {
    const cache = new NearCache();
    cache.set('dev:x:t1:a', 1);
    cache.set('dev:x:t1:b', 2);
    cache.set('dev:x:t2:a', 3);
    expect(cache.deletePrefix('dev:x:t1:')).toBe(2);
    expect(cache.get('dev:x:t2:a')).toBe(3);
  });
});

describe('SingleFlight', () => {
  it('runs one call per key while it is in flight', async () => {
    const flight = new SingleFlight();
    let calls = 0;
    const work = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return calls;
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => flight.run('k', work)));
    expect(calls).toBe(1);
    expect(new Set(results)).toEqual(new Set([1]));
    expect(flight.size).toBe(0);
    await flight.run('k', work);
    expect(calls).toBe(2);
  });

  it('shares a failure with every waiter and forgets it', async () => {
    const flight = new SingleFlight();
    const failing = () => Promise.reject(new Error('boom'));
    await expect(Promise.all([flight.run('k', failing), flight.run('k', failing)])).rejects.toThrow('boom');
    expect(flight.has('k')).toBe(false);
  });
});
