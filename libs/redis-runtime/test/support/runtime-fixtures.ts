import { afterAll } from 'vitest';
import { KeyFactory } from '../../src/keys/key-factory';
import type { KeyFamily } from '../../src/keys/key-family';
import { KeyFamilyRegistry } from '../../src/keys/key-family-registry';
import { RedisConnection } from '../../src/clients/redis-connection';
import { createRedisClient, connectClient } from '../../src/clients/redis-client-factory';
import type { Workload } from '../../src/keys/key-family';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { uniqueId } from '../../../../test/support/unique';

const base = {
  owner: 'catalog-service',
  hashTag: 'none',
  sourceOfTruth: 'test',
  invalidation: 'test',
  timeoutMs: 20,
  fallback: 'test',
  sensitivity: 'internal',
  idPattern: '<id>',
} as const;

/** Families used only by the library's own tests. */
export const TEST_KEY_FAMILIES: KeyFamily[] = [
  {
    ...base,
    name: 'test-cache',
    domain: 'test',
    purpose: 'cache',
    workload: 'cache',
    ttlSeconds: { min: 1, max: 3600 },
    format: 'json',
    schemaVersion: 1,
  },
  {
    ...base,
    name: 'test-lease',
    domain: 'lease',
    purpose: 'test',
    hashTag: 'tenant',
    workload: 'rate',
    ttlSeconds: { min: 1, max: 3600 },
    format: 'lease-token',
  },
  {
    ...base,
    name: 'test-rate',
    domain: 'rate',
    purpose: 'test',
    hashTag: 'tenant',
    workload: 'rate',
    ttlSeconds: { min: 1, max: 90000 },
    format: 'integer',
  },
  {
    ...base,
    name: 'test-dedup',
    domain: 'dedup',
    purpose: 'test',
    workload: 'session',
    ttlSeconds: { min: 1, max: 86400 },
    format: 'marker',
  },
  {
    ...base,
    name: 'test-idempotency',
    domain: 'idempotency',
    purpose: 'test',
    workload: 'session',
    ttlSeconds: { min: 1, max: 86400 },
    format: 'json',
    schemaVersion: 1,
  },
  {
    ...base,
    name: 'test-document',
    domain: 'document',
    purpose: 'test',
    workload: 'session',
    ttlSeconds: { min: 1, max: 3600 },
    format: 'json',
    schemaVersion: 1,
  },
  {
    ...base,
    name: 'test-near-cache-invalidation',
    domain: 'near-cache',
    purpose: 'invalidate',
    workload: 'cache',
    ttlSeconds: null,
    format: 'channel',
    idPattern: '(channel)',
  },
];

/** A key factory over the test families with a unique `<env>` segment, so every test file has its own keyspace. */
export function testKeys(): KeyFactory {
  return new KeyFactory(new KeyFamilyRegistry(TEST_KEY_FAMILIES), uniqueId('t'));
}

export interface OpenOptions {
  /** Generous by default: tests on a busy 2-core machine must not flake on the production 20-30 ms budget. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  cluster?: boolean;
  metrics?: RuntimeMetrics;
}

/** Opens a connection to `url` (or cluster seeds) with the library's scripts registered; closed after the file. */
export async function openConnection(
  workload: Workload,
  url: string,
  options: OpenOptions = {},
): Promise<RedisConnection> {
  const client = createRedisClient(
    {
      url,
      cluster: options.cluster ?? false,
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
      connectTimeoutMs: options.connectTimeoutMs ?? 1000,
    },
    `test-${workload}`,
  );
  const connection = new RedisConnection(workload, client, {
    metrics: options.metrics ?? new RuntimeMetrics(),
    commandTimeoutMs: options.commandTimeoutMs ?? 2000,
  });
  await connectClient(client, options.connectTimeoutMs ?? 1000);
  afterAll(() => connection.close());
  return connection;
}

/**
 * The sum of a metric's samples whose labels include `labels`, for assertions: a counter's value, or a histogram's
 * count (its `_count` samples). Throws for a metric the registry does not have: a misspelt name must fail the test,
 * not read 0 forever (it once made "no Redis command" assertions unable to fail).
 */
export async function metricValue(
  metrics: RuntimeMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  if (!metrics.registry.getSingleMetric(name)) throw new Error(`no metric ${name} in the registry`);
  const metric = await metrics.registry.getSingleMetricAsString(name);
  const sample = metric.includes(`# TYPE ${name} histogram`) ? `${name}_count{` : `${name}{`;
  let total = 0;
  for (const line of metric.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(sample)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.split(' ').pop());
  }
  return total;
}
