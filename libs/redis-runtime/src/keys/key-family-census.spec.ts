import { describe, expect, it } from 'vitest';
import { KeyFactory } from './key-factory';
import { KeyFamilyClassifier } from './key-family-census';
import { platformKeyFamilyRegistry } from './platform-key-families';

const registry = platformKeyFamilyRegistry();
const classifier = new KeyFamilyClassifier(registry, 'prod');

describe('KeyFamilyClassifier', () => {
  it('finds the family of every key the factory builds, hash-tagged tenants included', () => {
    const keys = new KeyFactory(registry, 'prod');
    for (const family of registry.all().filter((f) => f.format !== 'channel')) {
      const { key } = keys.key(family.name, 'acme', 'v3', 'offer-1', 'more');
      const owner = classifier.ownerOf(key);
      expect({ key, family: 'family' in owner ? owner.family.name : owner }).toEqual({
        key,
        family: family.name,
      });
    }
  });

  it('tells keys of another environment from keys of nothing declared', () => {
    const staging = new KeyFactory(registry, 'staging').key('price', 'acme', 'v1', 'x').key;
    expect(classifier.ownerOf(staging)).toEqual({ otherEnv: 'staging' });
    for (const key of [
      'session:abc',
      'prod:pricing-service:acme:price:unknown-purpose:x',
      'prod:billing-service:acme:price:calc:x',
      'prod:pricing-service:acme:price',
    ])
      expect(classifier.ownerOf(key)).toEqual({ unknown: true });
  });
});
