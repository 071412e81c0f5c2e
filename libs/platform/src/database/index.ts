export { createDatabase, type Database, type DatabaseOptions } from './create-database';
export { databaseHealth, type DatabaseHealthOptions } from './database-health';
export { countQueries, type QueryCounter } from './query-counter';
export { assertSchemaName } from './schema-name';
export { PlatformDatabaseError, InvalidSchemaNameError } from './database.errors';
