import {
  KeyFactory,
  KeyFamilyRegistry,
  PLATFORM_KEY_FAMILIES,
  RedisConnection,
  RedisLeaseManager,
  type KeyFamily,
} from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { createJobFencesTable } from '../../src/jobs';

// Shared by the job tests and the paused holder's child process: nothing here imports vitest.

/** A lease family like a service's job lease family (rate workload, tenant-tagged), for these tests only. */
export const TEST_JOB_LEASE: KeyFamily = {
  name: 'test-job-lease',
  owner: 'order-service',
  domain: 'lease',
  purpose: 'test-job',
  idPattern: '<job name>',
  hashTag: 'tenant',
  workload: 'rate',
  ttlSeconds: { min: 1, max: 60 },
  sourceOfTruth: 'none (coordination only)',
  format: 'lease-token',
  invalidation: 'released by token, else expires',
  timeoutMs: 30,
  fallback: 'skip the run',
  sensitivity: 'internal',
};

/** Keys of the platform's families plus the test lease family, under their own `<env>` segment. */
export function testJobKeys(env: string): KeyFactory {
  return new KeyFactory(new KeyFamilyRegistry([...PLATFORM_KEY_FAMILIES, TEST_JOB_LEASE]), env);
}

/** A rate-workload connection with budgets roomy enough for a busy 2-core machine. */
export function openRateConnection(url: string): Promise<RedisConnection> {
  return RedisConnection.open(
    'rate',
    { url, cluster: false, commandTimeoutMs: 1000, connectTimeoutMs: 1000 },
    undefined,
    'job-test',
    () => undefined,
  );
}

export function testJobLeases(connection: RedisConnection, keysEnv: string): RedisLeaseManager {
  return new RedisLeaseManager({ connection, keys: testJobKeys(keysEnv), family: TEST_JOB_LEASE.name });
}

/** A throwaway schema with `job_fences` and a `drafts` table for retention jobs to purge. */
export async function createJobSchema(db: Kysely<any>, schema: string): Promise<void> {
  await sql`create schema ${sql.id(schema)}`.execute(db);
  await createJobFencesTable(db, schema);
  await sql`create table ${sql.id(schema)}.drafts (
      id serial primary key, job text not null, expired boolean not null)`.execute(db);
}

/** Adds `count` drafts of one job's test, expired or not. */
export async function addDrafts(db: Kysely<any>, schema: string, job: string, count: number, expired = true) {
  for (let i = 0; i < count; i++) {
    await sql`insert into ${sql.id(schema)}.drafts (job, expired) values (${job}, ${expired})`.execute(db);
  }
}

export async function draftCount(db: Kysely<any>, schema: string, job: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.id(schema)}.drafts where job = ${job}`.execute(db);
  return Number(rows[0]!.n);
}
