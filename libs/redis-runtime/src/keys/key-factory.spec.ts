import { describe, expect, it } from 'vitest';
import {
  InvalidKeySegmentError,
  MissingTtlError,
  UnknownKeyFamilyError,
  InvalidKeyFamilyError,
} from '../errors';
import { KeyFactory } from './key-factory';
import { assertTtlSeconds, KeyFamilyRegistry } from './key-family-registry';
import { escapeKeySegment, hashKeySegment } from './key-segment';
import { PLATFORM_KEY_FAMILIES, platformKeyFamilyRegistry } from './platform-key-families';

const keys = new KeyFactory(platformKeyFamilyRegistry(), 'prod');

describe('KeyFactory', () => {
  it('builds <env>:<service>:<tenant>:<domain>:<purpose>:<id> keys', () => {
    expect(keys.key('catalog-offer', 'tenant_123', 'v42', 'offer-router').key).toBe(
      'prod:catalog-service:tenant_123:catalog:offer:v42:offer-router',
    );
  });

  it('wraps the tenant in a hash tag for tenant-tagged families', () => {
    expect(keys.key('pricing-rate-limit', 't1', 'calc', 'tenant', 'x').key).toBe(
      'prod:pricing-service:{t1}:rate:limit:calc:tenant:x',
    );
  });

  it.each(['a:b', 'a{b', 'a}b', 'a b', 'a\tb', 'a\nb', 'a\u0000b', ''])(
    'rejects the segment %j so no key can reach into another tenant',
    (segment) => {
      expect(() => keys.key('catalog-offer', segment, 'v1', 'x')).toThrow(InvalidKeySegmentError);
      expect(() => keys.key('catalog-offer', 't1', 'v1', segment)).toThrow(InvalidKeySegmentError);
    },
  );

  it('refuses a family that is not declared', () => {
    expect(() => keys.key('no-such-family', 't1', 'x')).toThrow(UnknownKeyFamilyError);
  });

  it('escapes arbitrary input into one safe segment, distinct inputs staying distinct', () => {
    const escaped = escapeKeySegment('t1:{x} y%');
    expect(escaped).toBe('t1%3A%7Bx%7D%20y%25');
    expect(() => keys.key('catalog-offer', 't1', 'v1', escaped)).not.toThrow();
    expect(escapeKeySegment('a:b')).not.toBe(escapeKeySegment('a%3Ab'));
  });

  it('hashes identifiers into short key-safe digests', () => {
    const digest = hashKeySegment('user@example.com');
    expect(digest).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(digest).not.toBe(hashKeySegment('user@example.org'));
  });
});

describe('KeyFamilyRegistry', () => {
  it('declares every platform family once, each with owner, TTL, source of truth and fallback', () => {
    const names = PLATFORM_KEY_FAMILIES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const family of PLATFORM_KEY_FAMILIES) {
      expect(family.sourceOfTruth.length).toBeGreaterThan(0);
      expect(family.fallback.length).toBeGreaterThan(0);
      if (family.format !== 'channel') expect(family.ttlSeconds!.min).toBeGreaterThan(0);
    }
  });

  it('refuses a family declared twice or without a TTL', () => {
    const family = PLATFORM_KEY_FAMILIES[0]!;
    expect(() => new KeyFamilyRegistry([family, family])).toThrow(InvalidKeyFamilyError);
    expect(() => new KeyFamilyRegistry([{ ...family, name: 'no-ttl', ttlSeconds: null }])).toThrow(
      InvalidKeyFamilyError,
    );
    expect(
      () => new KeyFamilyRegistry([{ ...family, name: 'no-version', schemaVersion: undefined }]),
    ).toThrow(InvalidKeyFamilyError);
  });

  it('refuses writes without a TTL or outside the family range', () => {
    const offer = keys.familyOf('catalog-offer');
    expect(() => assertTtlSeconds(offer, undefined)).toThrow(MissingTtlError);
    expect(() => assertTtlSeconds(offer, 0)).toThrow(MissingTtlError);
    expect(() => assertTtlSeconds(offer, 10)).toThrow(MissingTtlError);
    expect(assertTtlSeconds(offer, 900)).toBe(900);
  });
});
