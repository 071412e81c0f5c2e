import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { BoundedPool } from './bounded-pool';
import { queryCountingLog } from './query-counter';
import { assertSchemaName } from './schema-name';

/** Options of `createDatabase`. */
export interface DatabaseOptions {
  /** `postgres://user@host:port/db` */
  url: string;
  /**
   * The service's schema, put first on the `search_path` (then `public`) so unqualified table names resolve
   * to it. Platform code always qualifies names (`catalog.outbox`); typed tables may do either.
   * @default the server's search_path
   */
  schema?: string;
  /** @default 10 */
  poolMax?: number;
  /** Server-side `statement_timeout` for every statement: the server cancels it (the connection stays). @default 5000 */
  statementTimeoutMs?: number;
  /**
   * Client-side: a statement with no answer after this long fails with `DatabaseUnavailableError('no-answer')` and
   * its connection is destroyed (a hung server cannot enforce its own timeout). Longer than `statementTimeoutMs`, so
   * a live server cancels first and keeps the connection. @default statementTimeoutMs + 1000
   */
  queryTimeoutMs?: number;
  /**
   * How long to wait for a connection: a free one from the pool, or a new one from the server (which a hung server
   * accepts and never answers). @default 5000
   */
  connectionTimeoutMs?: number;
  /** Idle connections are closed after this long. @default 30000 */
  idleTimeoutMs?: number;
  /** Shown in `pg_stat_activity.application_name`. @default 'cpq' */
  applicationName?: string;
}

/** A connected database: the typed query builder and the pool under it. */
export interface Database<DB> {
  db: Kysely<DB>;
  /** node-postgres's pool under `db`; queries sent here directly have no client-side timeout and untyped errors. */
  pool: pg.Pool;
  /** Destroys the query builder and ends the pool; idempotent. */
  close(): Promise<void>;
}

/**
 * A kysely instance over a `pg.Pool` for one service. Connections are lazy: nothing is contacted until the
 * first query (use `databaseHealth` to check readiness). Every wait is bounded (`connectionTimeoutMs`,
 * `statementTimeoutMs`, `queryTimeoutMs`), and a database that is down or hung fails statements with
 * `DatabaseUnavailableError` (see `BoundedPool`).
 */
export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const serverOptions = [`-c statement_timeout=${statementTimeoutMs}`];
  if (options.schema !== undefined)
    serverOptions.push(`-c search_path=${assertSchemaName(options.schema)},public`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'cpq',
    options: serverOptions.join(' '),
  });
  // An idle client that loses its server connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout gets a fresh connection.
  pool.on('error', () => undefined);
  // A checked-out client has no pool listener: when the server ends its connection mid-transaction (a terminated
  // backend, a failover), it emits 'error' after its query has already failed, which would crash the process
  // instead of failing just that transaction. The pool discards such a client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const counting = queryCountingLog();
  const bounded = new BoundedPool(pool, options.queryTimeoutMs ?? statementTimeoutMs + 1000);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: bounded }), log: counting.log });
  let closing: Promise<void> | undefined;
  const database: Database<DB> = {
    db,
    pool,
    close: () => (closing ??= db.destroy()),
  };
  counting.register(db, pool, database);
  return database;
}
