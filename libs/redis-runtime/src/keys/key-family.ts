import { InvalidKeyFamilyError } from '../errors';

/** The three Redis workloads of the contract, each with its own connection and eviction policy. */
export type Workload = 'cache' | 'rate' | 'session';

export type ServiceName = 'catalog-service' | 'pricing-service' | 'config-service' | 'order-service';

/**
 * How the value is stored. `channel` is a Pub/Sub channel, not a key: it has no TTL and holds nothing.
 */
export type ValueFormat = 'json' | 'integer' | 'sorted-set' | 'lease-token' | 'marker' | 'channel';

/**
 * The last segment of every key of a `lease-token` family: `holder` (the lease, holding its holder's token) or
 * `fence` (the resource's last fencing token). Last, so no resource id can make one resource's lease key another's
 * fence key; the family's `idPattern` names the resource only.
 */
export const LEASE_KEY_ROLES = ['holder', 'fence'] as const;
export type LeaseKeyRole = (typeof LEASE_KEY_ROLES)[number];

export type Sensitivity = 'public' | 'internal' | 'confidential';

/**
 * Where the `{...}` cluster hash tag goes. `tenant` wraps the tenant segment so that every key of one tenant in
 * this family (and in other tenant-tagged families of the same service) lands in one slot, which multi-key scripts
 * (multi-dimension rate limits, lease + fencing counter) need. `none` spreads keys across slots.
 */
export type HashTag = 'none' | 'tenant';

export interface TtlRange {
  /** Shortest TTL a write may set, in seconds. */
  readonly min: number;
  /** Longest TTL a write may set, in seconds. */
  readonly max: number;
}

/** Everything an operator needs to know about one key family, declared once. */
export interface KeyFamily {
  /** Stable name used in metrics and logs, e.g. `catalog-offer`. */
  readonly name: string;
  readonly owner: ServiceName;
  readonly domain: string;
  readonly purpose: string;
  /** Shape of the `<id>` part, for people: e.g. `v<catalogVersion>:<offerId>`. */
  readonly idPattern: string;
  readonly hashTag: HashTag;
  readonly workload: Workload;
  /** `null` only for channels. */
  readonly ttlSeconds: TtlRange | null;
  readonly sourceOfTruth: string;
  readonly format: ValueFormat;
  /** Required for `json` values: the schemaVersion the codec writes and accepts. */
  readonly schemaVersion?: number;
  readonly invalidation: string;
  /**
   * Budget for one Redis operation on this family, in milliseconds (the reference's timeout table): enforced by
   * `RedisConnection` on the family's commands unless the workload's budget is overridden for all of them.
   */
  readonly timeoutMs: number;
  /** What callers do when Redis fails for this family. */
  readonly fallback: string;
  readonly sensitivity: Sensitivity;
}

/** Validates a family's internal consistency; called once per family when the registry is built. */
export function defineKeyFamily(family: KeyFamily): KeyFamily {
  const fail = (why: string) => {
    throw new InvalidKeyFamilyError(`key family ${family.name}: ${why}`, { family: family.name });
  };
  if (!/^[a-z][a-z0-9-]*$/.test(family.name)) fail('name must be kebab-case');
  if (!/^[a-z][a-z0-9-]*$/.test(family.domain) || !/^[a-z][a-z0-9-]*$/.test(family.purpose)) {
    fail('domain and purpose must be kebab-case');
  }
  if (family.format === 'channel') {
    if (family.ttlSeconds !== null) fail('a channel has no TTL');
  } else {
    const ttl = family.ttlSeconds;
    if (!ttl || !(ttl.min > 0) || !(ttl.max >= ttl.min))
      fail('every key needs a TTL range with 0 < min <= max');
  }
  if (family.format === 'json' && !(family.schemaVersion && family.schemaVersion >= 1)) {
    fail('json values need a schemaVersion');
  }
  if (!(family.timeoutMs > 0)) fail('timeoutMs must be positive');
  return Object.freeze({ ...family });
}
