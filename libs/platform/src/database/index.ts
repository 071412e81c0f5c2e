export { createDatabase, type Database, type DatabaseOptions } from './create-database';
export { databaseHealth, type DatabaseHealthOptions } from './database-health';
export { countQueries, type QueryCounter } from './query-counter';
export { assertSchemaName } from './schema-name';
export {
  PlatformDatabaseError,
  InvalidSchemaNameError,
  DatabaseUnavailableError,
  TransactionConflictError,
  type DatabaseUnavailableReason,
} from './database.errors';
export {
  classifyDatabaseFailure,
  databaseUnavailableErrorOf,
  type DatabaseFailure,
} from './database-failures';
export {
  retryableTransaction,
  transactionConflictStateOf,
  type RetryableTransactionOptions,
} from './retryable-transaction';
