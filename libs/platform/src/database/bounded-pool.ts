import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { classifyDatabaseFailure, toDatabaseUnavailableError } from './database-failures';
import type { DatabaseUnavailableError } from './database.errors';

/**
 * The pool kysely sees: node-postgres's pool with typed errors. Failures that mean the database is unavailable (see
 * `classifyDatabaseFailure`) are thrown as `DatabaseUnavailableError` with the driver's error as `cause`; a
 * connection they broke is discarded when released. Every other error passes through unchanged.
 */
export class BoundedPool implements PostgresPool {
  private readonly clients = new WeakMap<pg.PoolClient, BoundedClient>();

  constructor(private readonly pool: pg.Pool) {}

  get options(): object {
    return this.pool.options;
  }

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const failure = classifyDatabaseFailure(error);
      throw failure ? toDatabaseUnavailableError(failure, error) : error;
    }
    // kysely keeps one connection object per client it gets: hand out the same wrapper every time.
    let bounded = this.clients.get(client);
    if (!bounded) {
      bounded = new BoundedClient(client);
      this.clients.set(client, bounded);
    }
    return bounded;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class BoundedClient implements PostgresPoolClient {
  /** Set once the connection can no longer be trusted; it is destroyed when released. */
  private broken: DatabaseUnavailableError | undefined;

  constructor(private readonly client: pg.PoolClient) {}

  get processID(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: readonly unknown[],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Streams (cursors) read in the caller's rhythm: no timeout, the server's statement_timeout applies.
    if (typeof sqlOrCursor !== 'string')
      return (this.client as unknown as { query(c: PostgresCursor<R>): PostgresCursor<R> }).query(
        sqlOrCursor,
      );
    if (this.broken) return Promise.reject(this.broken);
    return this.client.query(sqlOrCursor, parameters as unknown[]).then(
      (result) => result as unknown as PostgresQueryResult<R>,
      (error: unknown) => {
        const failure = classifyDatabaseFailure(error);
        if (!failure) throw error;
        const typed = toDatabaseUnavailableError(failure, error);
        if (failure.connectionBroken) this.broken ??= typed;
        throw typed;
      },
    );
  }

  release(destroy?: boolean): void {
    // pg-pool ends a client released with an error instead of keeping it.
    this.client.release(this.broken !== undefined || destroy === true ? true : undefined);
  }
}
