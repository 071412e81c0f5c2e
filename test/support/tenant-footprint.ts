import { KeyFamilyClassifier, platformKeyFamilyRegistry, type KeyFamily } from '@cpq/redis-runtime';
import Redis from 'ioredis';
import pg from 'pg';

/**
 * What a run left behind for a set of tenants: PostgreSQL rows in any table of any schema (by `tenant_id`, and the
 * outbox by its envelope's `tenantId`), and the Redis keys of the run's `APP_ENV`, each parsed by the key layout.
 */

/** `schema.table: n rows` for every table holding rows of these tenants (`like`: SQL LIKE patterns). */
export async function rowsOfTenants(
  databaseUrl: string,
  tenants: { equal: readonly string[]; like?: readonly string[] },
): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<{ table_schema: string; table_name: string; column_name: string }>(
      `select table_schema, table_name, column_name from information_schema.columns
        where column_name in ('tenant_id', 'envelope')
          and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    const found: string[] = [];
    for (const { table_schema: schema, table_name: table, column_name: column } of columns.rows) {
      const value = column === 'envelope' ? `envelope->>'tenantId'` : `tenant_id::text`;
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from "${schema}"."${table}" where ${value} = any($1) or ${value} like any($2)`,
        [tenants.equal, tenants.like ?? []],
      );
      if (Number(rows[0]!.n) > 0) found.push(`${schema}.${table}: ${rows[0]!.n} rows`);
    }
    return found;
  } finally {
    await client.end();
  }
}

export interface ScannedKey {
  key: string;
  /** PTTL: -1 for a key without a TTL, -2 if it expired meanwhile. */
  pttl: number;
}

/** Every key of `appEnv` on these Redis servers (each server once), by SCAN, with its PTTL. */
export async function keysOfAppEnv(urls: readonly string[], appEnv: string): Promise<ScannedKey[]> {
  const keys: ScannedKey[] = [];
  for (const url of new Set(urls)) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${appEnv}:*`, 'COUNT', 1000);
        cursor = next;
        const ttls =
          batch.length > 0 ? ((await client.pipeline(batch.map((k) => ['pttl', k])).exec()) ?? []) : [];
        batch.forEach((key, i) => keys.push({ key, pttl: Number(ttls[i]?.[1]) }));
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  }
  return keys;
}

/**
 * The families a refused request may still change: rate-limit counters, which count attempts (the limit must hold
 * against a client that only sends bad requests), and leases, which coordinate a read of PostgreSQL before anyone
 * knows whether the data exists (a single-flight fill lease guards a stampede of 404s as well; lease and fencing
 * counter expire within the family's TTL). Nothing else: a refused request reads at most.
 */
export function changesOnRefusedRequest(family: KeyFamily): boolean {
  return (family.domain === 'rate' && family.purpose === 'limit') || family.format === 'lease-token';
}

export interface FootprintRules {
  appEnv: string;
  /** Tenants that received requests with a valid token of their own. */
  tenantsWithAccess: ReadonlySet<string>;
  /** Tenants that only received refused requests: only `changesOnRefusedRequest` families may hold their keys. */
  refusedOnly: ReadonlySet<string>;
}

/**
 * Every key that breaks the layout, has no TTL, names a tenant no valid token was used for, or should not exist at
 * all.
 */
export function footprintViolations(keys: readonly ScannedKey[], rules: FootprintRules): string[] {
  const classifier = new KeyFamilyClassifier(platformKeyFamilyRegistry(), rules.appEnv);
  const violations: string[] = [];
  for (const { key, pttl } of keys) {
    const parsed = classifier.parse(key);
    if (pttl === -1) violations.push(`${key}: no TTL`);
    if (!parsed) violations.push(`${key}: not a key of a declared family by the key layout`);
    else if (!rules.tenantsWithAccess.has(parsed.tenant))
      violations.push(
        `${key}: tenant ${JSON.stringify(parsed.tenant)} outside the tenants the run had tokens for`,
      );
    else if (rules.refusedOnly.has(parsed.tenant) && !changesOnRefusedRequest(parsed.family))
      violations.push(`${key}: ${parsed.family.name} written for a tenant that only got refused requests`);
  }
  return violations;
}
