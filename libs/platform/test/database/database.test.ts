import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countQueries,
  createDatabase,
  databaseHealth,
  DatabaseUnavailableError,
  InvalidSchemaNameError,
} from '../../src/database';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';

describe('createDatabase', () => {
  const schema = uniqueId('it_db').replace(/-/g, '_');

  const database = createDatabase<any>({
    url: infraEnv().databaseUrl,
    schema,
    statementTimeoutMs: 200,
    poolMax: 2,
  });

  afterAll(async () => {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
    await database.close();
  });

  it('puts the service schema first on the search_path, so unqualified names resolve to it', async () => {
    await sql`create schema ${sql.id(schema)}`.execute(database.db);
    await sql`create table ${sql.id(schema, 'things')} (id int primary key)`.execute(database.db);
    await database.db.insertInto('things').values({ id: 1 }).execute();
    const rows = await database.db.withSchema(schema).selectFrom('things').selectAll().execute();
    expect(rows).toEqual([{ id: 1 }]);
    const { rows: current } = await sql<{ s: string }>`select current_schema() as s`.execute(database.db);
    expect(current[0]!.s).toBe(schema);
  });

  it("cancels statements running longer than statementTimeoutMs (DatabaseUnavailableError, caused by the server's 57014)", async () => {
    const error = await sql`select pg_sleep(1)`.execute(database.db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ reason: 'statement-timeout', cause: { code: '57014' } });
    // the connection stays usable
    expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => createDatabase({ url: infraEnv().databaseUrl, schema: 'x; drop table y' })).toThrow(
      InvalidSchemaNameError,
    );
  });

  it('a connection the server terminates mid-transaction fails that transaction, not the process', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.prependListener('uncaughtException', record);
    const own = createDatabase<any>({
      url: infraEnv().databaseUrl,
      applicationName: uniqueId('it-terminated'),
    });
    const killer = createDatabase<any>({ url: infraEnv().databaseUrl });
    try {
      const transaction = own.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(killer.db);
        await sql`select 1`.execute(trx);
      });
      await expect(transaction).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 200)); // the socket's 'end' comes after the error reply
      expect(uncaught).toEqual([]);
      // the pool replaces the connection
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(own.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      process.removeListener('uncaughtException', record);
      await own.close();
      await killer.close();
    }
  });

  it('close() is idempotent', async () => {
    const other = createDatabase({ url: infraEnv().databaseUrl });
    await sql`select 1`.execute(other.db);
    await other.close();
    await expect(other.close()).resolves.toBeUndefined();
  });
});

describe('countQueries', () => {
  const database = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 2 });
  afterAll(() => database.close());

  it('counts the statements sent through the handle, including those inside transactions', async () => {
    const counter = countQueries(database.pool);
    expect(counter.count).toBe(0);
    await sql`select 1`.execute(database.db);
    await database.db.transaction().execute(async (trx) => {
      await sql`select 2`.execute(trx);
    });
    expect(counter.statements).toContain('select 1');
    expect(counter.statements).toContain('select 2');
    const afterTransaction = counter.count;
    expect(afterTransaction).toBeGreaterThanOrEqual(2);
    counter.reset();
    expect(counter.count).toBe(0);
    await sql`select 3`.execute(database.db).catch(() => undefined);
    expect(counter.count).toBe(1);
    counter.stop();
    await sql`select 4`.execute(database.db);
    expect(counter.count).toBe(1);
  });

  it('accepts the Kysely instance or the Database too, and counts failed statements', async () => {
    const byDb = countQueries(database.db);
    const byDatabase = countQueries(database);
    await expect(
      sql`select * from no_such_table_${sql.raw(uniqueId('t').replace(/-/g, '_'))}`.execute(database.db),
    ).rejects.toThrow();
    expect(byDb.count).toBe(1);
    expect(byDatabase.count).toBe(1);
  });

  it('refuses a handle it does not know', () => {
    expect(() => countQueries({ db: {} } as never)).toThrow(/createDatabase/);
  });
});

describe('databaseHealth', () => {
  it("is 'up' when PostgreSQL answers", async () => {
    const database = createDatabase({ url: infraEnv().databaseUrl });
    try {
      expect(await databaseHealth(database.db)).toBe('up');
    } finally {
      await database.close();
    }
  });

  it("is 'down' within the timeout when PostgreSQL cannot be reached", async () => {
    const database = createDatabase({
      url: 'postgres://postgres@127.0.0.1:1/cpq',
      connectionTimeoutMs: 5000,
    });
    try {
      const started = Date.now();
      expect(await databaseHealth(database.db, { timeoutMs: 300 })).toBe('down');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await database.close();
    }
  });

  it("is 'down' when every connection is busy past the timeout", async () => {
    const database = createDatabase({ url: infraEnv().databaseUrl, poolMax: 1, statementTimeoutMs: 5000 });
    try {
      const busy = sql`select pg_sleep(1)`.execute(database.db);
      expect(await databaseHealth(database.db, { timeoutMs: 200 })).toBe('down');
      await busy;
    } finally {
      await database.close();
    }
  });
});
