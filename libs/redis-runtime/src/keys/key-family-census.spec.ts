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

  it('parses every key the factory builds into its family, tenant and id segments', () => {
    const keys = new KeyFactory(registry, 'prod');
    const built = [
      keys.key('catalog-offer', 'acme', 'v3', 'offer-1'),
      keys.key('catalog-current', 'acme', 'version'),
      keys.key('pricing-rate-limit', 'acme', 'pricing-user', 'user', 'abc'),
      keys.key('pricing-rate-limit', 'acme', 'pricing-user', 'user', 'abc', 42),
      keys.key('price', 'acme', 'v1', 'fiber', 'EUR', 't36', 'enterprise', 'eu', 'q12'),
      keys.key('catalog-fill-lease', 'acme', 'digest', 'holder'),
      keys.key('catalog-prewarm-lease', 'acme', 'v2', 'fence'),
    ];
    for (const { key, family } of built) {
      const parsed = classifier.parse(key);
      expect({ key, family: parsed?.family.name, tenant: parsed?.tenant }).toEqual({
        key,
        family: family.name,
        tenant: 'acme',
      });
    }
    expect(classifier.parse(built[0]!.key)?.id).toEqual(['v3', 'offer-1']);
  });

  it('refuses keys that only look like a family: wrong hash tag, id segment count, empty or braced segments, other env', () => {
    for (const key of [
      'prod:catalog-service:{acme}:catalog:offer:v3:offer-1', // catalog-offer is not tenant-tagged
      'prod:pricing-service:acme:rate:limit:pricing-user:user:abc', // pricing-rate-limit is
      'prod:catalog-service:acme:catalog:offer:v3', // one id segment short
      'prod:catalog-service:acme:catalog:offer:v3:offer-1:extra', // one too many
      'prod:pricing-service:{acme}:rate:limit:p:user:abc:1:2',
      'prod:catalog-service::catalog:offer:v3:offer-1',
      'prod:catalog-service:acme:catalog:offer:v3:',
      'prod:catalog-service:ac{me:catalog:offer:v3:x',
      'prod:pricing-service:{ac}me}:rate:limit:p:user:abc',
      'staging:catalog-service:acme:catalog:offer:v3:offer-1',
      'prod:catalog-service:acme:catalog:unknown:v3:offer-1',
      'prod:catalog-service:{acme}:lease:cache-fill:digest', // a lease key ends in its role
      'prod:catalog-service:{acme}:lease:cache-fill:digest:other',
    ])
      expect({ key, parsed: classifier.parse(key) }).toEqual({ key, parsed: undefined });
  });
});
