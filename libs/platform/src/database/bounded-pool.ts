import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { classifyDatabaseFailure, toDatabaseUnavailableError } from './database-failures';
import { DatabaseUnavailableError } from './database.errors';

/**
 * The pool kysely sees: node-postgres's pool with two things added, so that a database that is down or hung costs a
 * bounded wait and a typed error, never a poisoned connection.
 *
 * - **A client-side query timeout.** `statement_timeout` is enforced by the server, so a stopped server (SIGSTOP, a
 *   frozen VM, a network that drops packets) leaves a statement waiting forever. Here a statement without an answer
 *   after `queryTimeoutMs` fails with `DatabaseUnavailableError('no-answer')` and its connection is destroyed at once:
 *   its transaction can never resume (a `BEGIN` answered after the server wakes would otherwise leave the next user
 *   of that connection inside an open transaction), and it leaves the pool (node-postgres's own `query_timeout`
 *   keeps the stuck statement on the connection and puts the connection back).
 * - **Typed errors.** Failures that mean the database is unavailable (see `classifyDatabaseFailure`) are thrown as
 *   `DatabaseUnavailableError` with the driver's error as `cause`; a connection they broke is discarded when
 *   released. Every other error passes through unchanged.
 */
export class BoundedPool implements PostgresPool {
  private readonly clients = new WeakMap<pg.PoolClient, BoundedClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly queryTimeoutMs: number,
  ) {}

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
      bounded = new BoundedClient(client, this.queryTimeoutMs);
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

  constructor(
    private readonly client: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {}

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
    return new Promise<PostgresQueryResult<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.abandon(
          new DatabaseUnavailableError(
            'no-answer',
            `PostgreSQL did not answer within ${this.timeoutMs} ms; the connection was dropped`,
            { timeoutMs: this.timeoutMs },
          ),
        );
        reject(this.broken);
      }, this.timeoutMs);
      this.client.query(sqlOrCursor, parameters as unknown[]).then(
        (result) => {
          clearTimeout(timer);
          resolve(result as unknown as PostgresQueryResult<R>);
        },
        (error: unknown) => {
          clearTimeout(timer);
          const failure = classifyDatabaseFailure(error);
          if (!failure) return reject(error);
          const typed = toDatabaseUnavailableError(failure, error);
          if (failure.connectionBroken) this.broken ??= typed;
          reject(typed);
        },
      );
    });
  }

  release(destroy?: boolean): void {
    // pg-pool ends a client released with an error instead of keeping it.
    this.client.release(this.broken !== undefined || destroy === true ? true : undefined);
  }

  /** Fails this connection for good: its socket is destroyed now, so a late answer can never reach it. */
  private abandon(reason: DatabaseUnavailableError): void {
    this.broken ??= reason;
    // node-postgres has no public way to drop a connection with a statement in flight; pg-pool itself destroys the
    // socket like this on a connect timeout. The pending statement then fails ('Connection terminated').
    (
      this.client as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  }
}
