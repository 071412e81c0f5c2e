import { DatabaseUnavailableError, type DatabaseUnavailableReason } from './database.errors';

/** What a driver error says about the database, when it says it is unavailable. */
export interface DatabaseFailure {
  reason: DatabaseUnavailableReason;
  /** The connection it happened on cannot be used again (it must not go back to the pool). */
  connectionBroken: boolean;
  /** The SQLSTATE, when the server sent one. */
  sqlState?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/** SQLSTATEs of a server that cannot serve now (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function fromSqlState(sqlState: string): DatabaseFailure | undefined {
  // class 08: connection exception
  if (sqlState.startsWith('08')) return { reason: 'connection-lost', connectionBroken: true, sqlState };
  switch (sqlState) {
    case '57P01': // admin_shutdown (also an immediate shutdown, pg_terminate_backend)
    case '57P02': // crash_shutdown
    case '57P05': // idle_session_timeout
      return { reason: 'connection-lost', connectionBroken: true, sqlState };
    case '57P03': // cannot_connect_now: starting up, shutting down, in recovery
    case '53300': // too_many_connections
      return { reason: 'server-unavailable', connectionBroken: true, sqlState };
    case '57014': // query_canceled: statement_timeout (the connection stays usable)
      return { reason: 'statement-timeout', connectionBroken: false, sqlState };
    case '25006': // read_only_sql_transaction: a primary demoted during a failover
      return { reason: 'server-unavailable', connectionBroken: false, sqlState };
  }
  // class 53: insufficient resources (disk full, out of memory, ...)
  if (sqlState.startsWith('53')) return { reason: 'server-unavailable', connectionBroken: false, sqlState };
  return undefined;
}

/** node-postgres and pg-pool errors that carry no code, by message. */
const DRIVER_MESSAGES: [RegExp, DatabaseFailure][] = [
  [/^timeout exceeded when trying to connect/, { reason: 'connect-timeout', connectionBroken: true }],
  [/^Connection terminated due to connection timeout/, { reason: 'connect-timeout', connectionBroken: true }],
  [/^Connection terminated/, { reason: 'connection-lost', connectionBroken: true }],
  [/is not queryable$/, { reason: 'connection-lost', connectionBroken: true }],
  [/^Query read timeout/, { reason: 'no-answer', connectionBroken: true }],
];

/**
 * Whether a driver error (node-postgres, pg-pool, Node's sockets) means PostgreSQL is unavailable, and what it
 * means for the connection; `undefined` for everything else (constraint violations, syntax, serialization
 * failures, ...), which are the caller's to handle.
 */
export function classifyDatabaseFailure(error: unknown): DatabaseFailure | undefined {
  if (error instanceof DatabaseUnavailableError)
    return { reason: error.reason, connectionBroken: error.reason !== 'statement-timeout' };
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return { reason: 'unreachable', connectionBroken: true };
    if (CONNECTION_LOST_CODES.has(code)) return { reason: 'connection-lost', connectionBroken: true };
    if (/^[0-9A-Z]{5}$/.test(code)) return fromSqlState(code);
  }
  // Node tries every address of a host name and reports an AggregateError of the attempts.
  if (Array.isArray(errors) && errors.length > 0) {
    const failures = errors.map(classifyDatabaseFailure);
    if (failures.every((failure) => failure !== undefined)) return failures[0];
  }
  if (typeof message === 'string') {
    for (const [pattern, failure] of DRIVER_MESSAGES) if (pattern.test(message)) return { ...failure };
  }
  return undefined;
}

/**
 * The `DatabaseUnavailableError` behind an error: the error itself or one of its causes when it is one, or a new one
 * wrapping the first error (of the error and its causes) that `classifyDatabaseFailure` recognizes; else undefined.
 */
export function databaseUnavailableErrorOf(error: unknown): DatabaseUnavailableError | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof DatabaseUnavailableError) return current;
    const failure = classifyDatabaseFailure(current);
    if (failure) return toDatabaseUnavailableError(failure, current);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The typed error for a classified driver error (its message kept, its SQLSTATE in the context). */
export function toDatabaseUnavailableError(
  failure: DatabaseFailure,
  cause: unknown,
): DatabaseUnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DatabaseUnavailableError(
    failure.reason,
    `PostgreSQL unavailable (${failure.reason}): ${detail}`,
    failure.sqlState === undefined ? {} : { sqlState: failure.sqlState },
    { cause },
  );
}
