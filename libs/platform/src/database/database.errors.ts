import { CodedError } from '../errors/coded-error';

/**
 * Errors of the database module. Each has a stable `code` (prefix `PLATFORM_DATABASE_`), keeps its `cause`
 * and carries context fields a structured logger can print.
 */
export abstract class PlatformDatabaseError extends CodedError {}

/** A PostgreSQL schema name is not a plain lowercase identifier (`^[a-z_][a-z0-9_]{0,62}$`). */
export class InvalidSchemaNameError extends PlatformDatabaseError {
  readonly code = 'PLATFORM_DATABASE_INVALID_SCHEMA_NAME';
}

/** Why PostgreSQL could not be used (`DatabaseUnavailableError.reason`). */
export type DatabaseUnavailableReason =
  /** No connection: refused, unreachable host or network, name not resolved. */
  | 'unreachable'
  /** A connection was not opened, or no pooled one freed, within the connect timeout. */
  | 'connect-timeout'
  /** The connection broke: terminated by the server (shutdown, crash, `pg_terminate_backend`) or the network. */
  | 'connection-lost'
  /** A statement got no answer within the client-side query timeout (a hung server); its connection is dropped. */
  | 'no-answer'
  /** The server canceled a statement at its `statement_timeout` (an overloaded or locked server). */
  | 'statement-timeout'
  /** The server refuses work for its own state: starting up, shutting down, out of connections or resources, read-only. */
  | 'server-unavailable';

/**
 * PostgreSQL cannot be used right now; nothing of the failed statement's transaction was committed, except when the
 * answer to a COMMIT itself was lost (`no-answer`, `connection-lost` on a commit): the request may be sent again,
 * and the platform's writes are idempotent or conditional so a repeat is safe. The HTTP edge answers 503 with
 * `Retry-After` (problem type `database-unavailable`). `cause` is the driver's error.
 */
export class DatabaseUnavailableError extends PlatformDatabaseError {
  readonly code = 'PLATFORM_DATABASE_UNAVAILABLE';

  constructor(
    readonly reason: DatabaseUnavailableReason,
    message: string,
    context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, { reason, ...context }, options);
  }
}

/**
 * A transaction lost to a concurrent one (SQLSTATE `40P01` deadlock_detected or `40001` serialization_failure) on
 * every attempt `retryableTransaction` made: nothing of it was committed. The HTTP edge answers 503 with
 * `Retry-After` (problem type `transaction-conflict`). `cause` is the last attempt's driver error.
 */
export class TransactionConflictError extends PlatformDatabaseError {
  readonly code = 'PLATFORM_DATABASE_TRANSACTION_CONFLICT';

  constructor(
    readonly sqlState: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `the transaction lost to a concurrent one on all ${attempts} attempt(s) (SQLSTATE ${sqlState})`,
      { sqlState, attempts },
      options,
    );
  }
}
