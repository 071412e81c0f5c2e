import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../clients/redis-client-factory';
import { LEASE_KEY_ROLES, type KeyFamily } from './key-family';
import type { KeyFamilyRegistry } from './key-family-registry';

/** Where a key belongs: a declared family of the environment, another environment, or nothing declared. */
export type KeyOwner = { family: KeyFamily } | { otherEnv: string } | { unknown: true };

/** A key of a declared family of the environment, split along the layout. */
export interface ParsedKey {
  family: KeyFamily;
  /** The tenant segment, without the `{...}` hash tag of tenant-tagged families. */
  tenant: string;
  /** The `<id>` segments after `<purpose>`. */
  id: string[];
}

/**
 * Sorts keys into their families by the layout `<env>:<service>:<tenant>:<domain>:<purpose>:<id...>` (the tenant
 * possibly in a `{...}` hash tag). Pure: the census and its tests share it.
 */
export class KeyFamilyClassifier {
  private readonly byPath = new Map<string, KeyFamily>();

  constructor(
    registry: KeyFamilyRegistry,
    private readonly env: string,
  ) {
    for (const family of registry.all()) {
      if (family.format !== 'channel')
        this.byPath.set(`${family.owner}:${family.domain}:${family.purpose}`, family);
    }
  }

  ownerOf(key: string): KeyOwner {
    const parts = key.split(':');
    if (parts.length < 6) return { unknown: true };
    const [env, service, , domain, purpose] = parts as [string, string, string, string, string];
    const family = this.byPath.get(`${service}:${domain}:${purpose}`);
    if (family === undefined) return { unknown: true };
    return env === this.env ? { family } : { otherEnv: env };
  }

  /**
   * The key split along the layout, or `undefined` unless it is exactly what `KeyFactory` builds for a family of
   * this environment: the tenant hash-tagged if and only if the family says so, as many `<id>` segments as the
   * family's `idPattern` names (`[:...]` parts optional; a lease family's keys end in one of `LEASE_KEY_ROLES`),
   * no empty segment, no stray `{`/`}`.
   */
  parse(key: string): ParsedKey | undefined {
    const owner = this.ownerOf(key);
    if (!('family' in owner)) return undefined;
    const { family } = owner;
    const [, , tenantSegment = '', , , ...id] = key.split(':');
    const tagged = /^\{([^{}]+)\}$/.exec(tenantSegment);
    const tenant = family.hashTag === 'tenant' ? tagged?.[1] : tenantSegment;
    if (!tenant || /[{}]/.test(tenant)) return undefined;
    if (family.format === 'lease-token' && !(LEASE_KEY_ROLES as readonly string[]).includes(id.pop() ?? ''))
      return undefined;
    const { min, max } = idSegmentsOf(family.idPattern);
    if (id.length < min || id.length > max || id.some((s) => s === '' || /[{}]/.test(s))) return undefined;
    return { family, tenant, id };
  }
}

/** How many `:`-separated segments an `idPattern` names: `a:b[:c]` is 2..3. */
function idSegmentsOf(idPattern: string): { min: number; max: number } {
  const required = idPattern.replace(/\[[^\]]*\]/g, '');
  const optional = idPattern.match(/\[[^\]]*\]/g) ?? [];
  const min = required.split(':').length;
  const extra = optional.reduce((n, part) => n + (part.match(/:/g)?.length ?? 0), 0);
  return { min, max: min + extra };
}

export interface FamilyCensus {
  family: string;
  owner: string;
  workload: string;
  keys: number;
  /** Keys with no TTL: every family declares one, so each is a bug (memory that never goes away). */
  withoutTtl: number;
  /** `MEMORY USAGE` of the sampled keys, bytes. */
  sampledBytes: number;
  sampled: number;
  /** keys x the sampled average. */
  estimatedBytes: number;
}

export interface KeyCensus {
  scanned: number;
  /** Declared families of the environment, largest estimate first. */
  families: FamilyCensus[];
  /** Keys of declared families under other environments' prefixes, by environment. */
  otherEnvs: Record<string, number>;
  /** Keys matching no declared family (another application, or a key built around the registry). */
  unknown: number;
  unknownWithoutTtl: number;
  /** Up to 5 unknown keys, to look at. */
  unknownSamples: string[];
}

export interface CensusOptions {
  registry: KeyFamilyRegistry;
  env: string;
  /** Keys per SCAN step (a hint to Redis). @default 1000 */
  scanCount?: number;
  /** Keys per family whose memory is measured. @default 20 */
  samplePerFamily?: number;
}

/**
 * Walks a Redis server's keyspace with SCAN (every master of a Cluster), without blocking it, and reports per
 * key family how many keys exist, how many lack a TTL and an estimate of their memory: the first look when memory
 * nears the limit, after a deploy changed a key format, or to compare cardinality before and after a change.
 * Costs one PTTL per key (pipelined per SCAN step) and one MEMORY USAGE per sampled key.
 */
export async function censusOf(client: RedisClient, options: CensusOptions): Promise<KeyCensus> {
  const classifier = new KeyFamilyClassifier(options.registry, options.env);
  const perFamily = new Map<string, FamilyCensus>();
  const census: KeyCensus = {
    scanned: 0,
    families: [],
    otherEnvs: {},
    unknown: 0,
    unknownWithoutTtl: 0,
    unknownSamples: [],
  };
  const samplePerFamily = options.samplePerFamily ?? 20;
  const nodes: Redis[] = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'COUNT', options.scanCount ?? 1000);
      cursor = next;
      if (keys.length === 0) continue;
      census.scanned += keys.length;
      const ttls = await pipelined(
        node,
        keys.map((key) => ['pttl', key]),
      );
      const toMeasure: { key: string; entry: FamilyCensus }[] = [];
      const measuring = new Map<FamilyCensus, number>();
      keys.forEach((key, i) => {
        const ttl = Number(ttls[i]);
        if (ttl === -2) return; // expired between SCAN and PTTL
        const owner = classifier.ownerOf(key);
        if ('family' in owner) {
          const entry = perFamily.get(owner.family.name) ?? newEntry(owner.family);
          perFamily.set(owner.family.name, entry);
          entry.keys++;
          if (ttl === -1) entry.withoutTtl++;
          const queued = measuring.get(entry) ?? 0;
          if (entry.sampled + queued < samplePerFamily) {
            toMeasure.push({ key, entry });
            measuring.set(entry, queued + 1);
          }
        } else if ('otherEnv' in owner) {
          census.otherEnvs[owner.otherEnv] = (census.otherEnvs[owner.otherEnv] ?? 0) + 1;
        } else {
          census.unknown++;
          if (ttl === -1) census.unknownWithoutTtl++;
          if (census.unknownSamples.length < 5) census.unknownSamples.push(key);
        }
      });
      const sizes = await pipelined(
        node,
        toMeasure.map(({ key }) => ['memory', 'usage', key]),
      );
      toMeasure.forEach(({ entry }, i) => {
        const bytes = Number(sizes[i]);
        if (!Number.isFinite(bytes) || bytes <= 0) return;
        entry.sampled++;
        entry.sampledBytes += bytes;
      });
    } while (cursor !== '0');
  }
  for (const entry of perFamily.values()) {
    entry.estimatedBytes =
      entry.sampled > 0 ? Math.round((entry.sampledBytes / entry.sampled) * entry.keys) : 0;
  }
  census.families = [...perFamily.values()].sort(
    (a, b) => b.estimatedBytes - a.estimatedBytes || b.keys - a.keys,
  );
  return census;
}

function newEntry(family: KeyFamily): FamilyCensus {
  return {
    family: family.name,
    owner: family.owner,
    workload: family.workload,
    keys: 0,
    withoutTtl: 0,
    sampledBytes: 0,
    sampled: 0,
    estimatedBytes: 0,
  };
}

/** Runs the commands in one pipeline; a failed command's result is `null`. */
async function pipelined(node: Redis, commands: string[][]): Promise<unknown[]> {
  if (commands.length === 0) return [];
  const results = (await node.pipeline(commands).exec()) ?? [];
  return results.map(([error, value]) => (error ? null : value));
}
