import type { KeyFamily } from './key-family';
import type { KeyFamilyRegistry } from './key-family-registry';
import { assertKeySegment, type KeySegment } from './key-segment';

/** A key built for a declared family. Runtime components only accept these, never raw strings. */
export interface RedisKey {
  readonly family: KeyFamily;
  readonly key: string;
}

/**
 * Builds `<env>:<service>:<tenant>:<domain>:<purpose>:<id...>` keys. Every segment from outside is checked:
 * a `:`, `{`, `}`, whitespace or control character throws, so one tenant can never address another's keys.
 * Identifiers that may contain anything (idempotency keys, user ids) go through `hashKeySegment` first.
 */
export class KeyFactory {
  private readonly env: string;

  constructor(
    private readonly registry: KeyFamilyRegistry,
    env: string,
  ) {
    this.env = assertKeySegment(env, 'env');
  }

  key(familyName: string, tenant: string, ...id: KeySegment[]): RedisKey {
    const family = this.registry.get(familyName);
    const tenantSegment = assertKeySegment(tenant, 'tenant');
    let key = `${this.env}:${family.owner}:${family.hashTag === 'tenant' ? `{${tenantSegment}}` : tenantSegment}:${family.domain}:${family.purpose}`;
    for (const part of id) key += ':' + assertKeySegment(part, 'key id segment');
    return { family, key };
  }

  /** Pub/Sub channel of a `channel` family; not tenant-scoped. */
  channel(familyName: string): RedisKey {
    const family = this.registry.get(familyName);
    return { family, key: channelNameOf(family, this.env) };
  }

  familyOf(name: string): KeyFamily {
    return this.registry.get(name);
  }
}

/** `<env>:<service>:all:<domain>:<purpose>`: the name of a `channel` family's Pub/Sub channel. */
export function channelNameOf(family: KeyFamily, env: string): string {
  return `${env}:${family.owner}:all:${family.domain}:${family.purpose}`;
}
