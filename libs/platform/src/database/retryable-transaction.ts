import type { IsolationLevel, Kysely, Transaction } from 'kysely';
import { backoffDelay } from '../events/backoff';
import { TransactionConflictError } from './database.errors';

/** SQLSTATEs of a transaction that lost to a concurrent one and may simply run again. */
const CONFLICT_STATES = new Set([
  '40P01', // deadlock_detected: row locks taken in a different order by two transactions
  '40001', // serialization_failure: REPEATABLE READ / SERIALIZABLE saw a concurrent change
]);

/**
 * The SQLSTATE when an error (or one of its causes) says its transaction lost to a concurrent one, else undefined.
 */
export function transactionConflictStateOf(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof TransactionConflictError) return current.sqlState;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONFLICT_STATES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface RetryableTransactionOptions {
  /** Attempts in all, the first included. @default 3 */
  maxAttempts?: number;
  /** The pause before the second attempt (before jitter); it doubles for each further one. @default 20 */
  initialDelayMs?: number;
  /** The longest pause between attempts. @default 200 */
  maxDelayMs?: number;
  /** @default the server's (READ COMMITTED) */
  isolationLevel?: IsolationLevel;
}

/**
 * Runs `work` in a transaction and runs it again, in a new transaction after a short jittered pause, when PostgreSQL
 * aborts it as a deadlock victim (`40P01`) or for a serialization failure (`40001`): the aborted attempt committed
 * nothing, so `work` must do nothing outside `trx` that a second run would repeat. Any other error ends it at once.
 * When every attempt lost, throws `TransactionConflictError` (a 503 `transaction-conflict` at the HTTP edge).
 */
export async function retryableTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: RetryableTransactionOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const backoff = { initialMs: options.initialDelayMs ?? 20, maxMs: options.maxDelayMs ?? 200 };
  for (let attempt = 1; ; attempt++) {
    try {
      const builder = db.transaction();
      return await (
        options.isolationLevel ? builder.setIsolationLevel(options.isolationLevel) : builder
      ).execute(work);
    } catch (error) {
      const sqlState = transactionConflictStateOf(error);
      if (sqlState === undefined || error instanceof TransactionConflictError) throw error;
      if (attempt >= maxAttempts) throw new TransactionConflictError(sqlState, attempt, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, backoff)));
    }
  }
}
