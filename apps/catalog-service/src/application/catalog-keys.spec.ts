import { KeyFactory, platformKeyFamilyRegistry } from '@cpq/redis-runtime';
import { describe, expect, it } from 'vitest';
import { CatalogKeys } from './catalog-keys';

const factory = () => new KeyFactory(platformKeyFamilyRegistry(), 'test');

describe('CatalogKeys', () => {
  it('builds the declared layout and hands back the kept key on the next read', () => {
    const keys = new CatalogKeys(factory());
    const offer = keys.offer('t1', 3, 'offer-0001');
    expect(offer.key).toBe('test:catalog-service:t1:catalog:offer:v3:offer-0001');
    expect(keys.current('t1').key).toBe('test:catalog-service:t1:catalog:current:version');
    expect(keys.offer('t1', 3, 'offer-0001')).toBe(offer);
    expect(keys.current('t1')).toBe(keys.current('t1'));
    expect(keys.offer('t2', 3, 'offer-0001').key).toBe('test:catalog-service:t2:catalog:offer:v3:offer-0001');
    expect(keys.offer('t1', 4, 'offer-0001').key).toBe('test:catalog-service:t1:catalog:offer:v4:offer-0001');
    expect(keys.keptOffers).toBe(3);
  });

  it('keeps the offer keys of the four most recently added versions per tenant', () => {
    const keys = new CatalogKeys(factory());
    const v1 = keys.offer('t1', 1, 'a');
    for (const version of [2, 3, 4]) keys.offer('t1', version, 'a');
    expect(keys.offer('t1', 1, 'a')).toBe(v1);
    keys.offer('t1', 5, 'a'); // v1 goes
    expect(keys.keptOffers).toBe(4);
    const again = keys.offer('t1', 1, 'a');
    expect(again).not.toBe(v1);
    expect(again.key).toBe(v1.key);
  });

  it('refuses a segment the key layout forbids and keeps nothing for it', () => {
    const keys = new CatalogKeys(factory());
    expect(() => keys.current('t1:other')).toThrow();
    expect(() => keys.offer('t1', 1, 'x{y}')).toThrow();
    expect(keys.keptOffers).toBe(0);
  });
});
