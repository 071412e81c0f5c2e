import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DatabaseUnavailableError, type Database } from '../../src/database';
import { problemMappings } from '../../src/http/problem-mappings';
import { startPostgresProcess, type PostgresProcess } from '../../../../test/support/postgres-process';
import { uniqueId } from '../../../../test/support/unique';

// createDatabase against a private PostgreSQL that is really stopped, and really hung (SIGSTOP): typed errors, the
// HTTP edge's 503, bounded waits, and no connection that comes back poisoned.

const QUERY_TIMEOUT_MS = 800;
const CONNECT_TIMEOUT_MS = 500;
/** A generous bound for one failed statement on a busy machine: the client-side timeout and then some. */
const BOUND_MS = QUERY_TIMEOUT_MS + 2_500;

let server: PostgresProcess;
let database: Database<any>;
const applicationName = uniqueId('outage');

/** Its rejection, and how long it took. */
async function failure(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the work to fail');
}

/** A statement on a connection of its own, outside the pool under test. */
async function direct<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startPostgresProcess({ migrate: false });
  await direct('create table public.marks (id text primary key)');
  database = createDatabase<any>({
    url: server.url,
    applicationName,
    poolMax: 4,
    statementTimeoutMs: QUERY_TIMEOUT_MS - 300,
    queryTimeoutMs: QUERY_TIMEOUT_MS,
    connectionTimeoutMs: CONNECT_TIMEOUT_MS,
  });
}, 120_000);

afterAll(async () => {
  server?.resume();
  await database?.close();
  await server?.destroy();
}, 60_000);

/** Opens `n` pooled connections at once, so the next statements run on connections that were already open. */
async function warmPool(n = 4): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => sql`select pg_sleep(0.05)`.execute(database.db)));
}

describe('createDatabase with PostgreSQL stopped', () => {
  it('fails statements with DatabaseUnavailableError, which the HTTP edge answers 503 with Retry-After', async () => {
    await warmPool();
    await server.stop();
    try {
      // first the pooled connections the shutdown broke, then new ones the closed port refuses
      for (let i = 0; i < 6; i++) {
        const { error, ms } = await failure(sql`select 1`.execute(database.db));
        expect(error).toBeInstanceOf(DatabaseUnavailableError);
        expect(['connection-lost', 'unreachable']).toContain((error as DatabaseUnavailableError).reason);
        expect(ms).toBeLessThan(BOUND_MS);
        const problem = problemMappings.toProblemError(error);
        expect({
          status: problem.status,
          type: problem.type,
          retryAfter: problem.headers['Retry-After'],
        }).toEqual({
          status: 503,
          type: 'https://cpq.dev/problems/database-unavailable',
          retryAfter: '1',
        });
      }
      const inTransaction = await failure(
        database.db.transaction().execute((trx) => sql`select 1`.execute(trx)),
      );
      expect(inTransaction.error).toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await server.start();
    }
    expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
  }, 60_000);

  it('leaves errors that are not about availability as they are', async () => {
    const { error } = await failure(sql`select * from public.no_such_table`.execute(database.db));
    expect(error).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ code: '42P01' });
    expect(problemMappings.toProblemError(error).status).toBe(500);
  });
});

describe('createDatabase with PostgreSQL hung (SIGSTOP)', () => {
  it('fails a statement on an open connection after the client-side timeout, and a new connection after the connect timeout', async () => {
    await warmPool();
    server.pause();
    try {
      const onOpen = await failure(sql`select 1`.execute(database.db));
      expect(onOpen.error).toMatchObject({ reason: 'no-answer' });
      expect(onOpen.ms).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 50);
      expect(onOpen.ms).toBeLessThan(BOUND_MS);
      // all four at once: the open connections time out, any new one is not answered either
      const all = await Promise.all(
        Array.from({ length: 6 }, () => failure(sql`select 1`.execute(database.db))),
      );
      for (const { error, ms } of all) {
        expect(error).toBeInstanceOf(DatabaseUnavailableError);
        expect(['no-answer', 'connect-timeout']).toContain((error as DatabaseUnavailableError).reason);
        expect(ms).toBeLessThan(2 * BOUND_MS);
      }
      expect(problemMappings.toProblemError(all[0]!.error).status).toBe(503);
    } finally {
      server.resume();
    }
  }, 60_000);

  it('never hands out a connection poisoned by a statement that timed out: no transaction resumes, every pooled connection is clean', async () => {
    await warmPool();
    const id = uniqueId('mark');
    server.pause();
    let resumed = false;
    try {
      // a transaction whose BEGIN (or first statement) hangs, and one hanging mid-way
      const hungBegin = failure(
        database.db.transaction().execute(async (trx) => {
          await sql`insert into public.marks (id) values (${`${id}-a`})`.execute(trx);
        }),
      );
      const [begin] = await Promise.all([hungBegin]);
      expect(begin.error).toBeInstanceOf(DatabaseUnavailableError);
      server.resume();
      resumed = true;
    } finally {
      if (!resumed) server.resume();
    }
    // Autocommit writes through every pooled connection: each must be visible to another session at once. A
    // connection left inside the hung transaction would swallow its write into a transaction that never commits.
    const started = Date.now();
    for (let i = 0; i < 8; i++)
      await sql`insert into public.marks (id) values (${`${id}-${i}`})`.execute(database.db);
    const recoveredMs = Date.now() - started;
    const visible = await direct<{ id: string }>(`select id from public.marks where id like $1 order by id`, [
      `${id}-%`,
    ]);
    expect(visible.map((row) => row.id)).toEqual(Array.from({ length: 8 }, (_, i) => `${id}-${i}`));
    expect(recoveredMs).toBeLessThan(2_000 * 3);
    const stuck = await direct<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where application_name = $1 and state like 'idle in transaction%'`,
      [applicationName],
    );
    expect(stuck).toEqual([{ n: 0 }]);
  }, 60_000);

  it('serves again right after the server wakes up', async () => {
    await warmPool();
    server.pause();
    const pending = failure(sql`select 1`.execute(database.db));
    await new Promise((resolve) => setTimeout(resolve, QUERY_TIMEOUT_MS + 200));
    server.resume();
    expect((await pending).error).toBeInstanceOf(DatabaseUnavailableError);
    const started = Date.now();
    expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 30_000);
});
