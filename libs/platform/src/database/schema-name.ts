import { InvalidSchemaNameError } from './database.errors';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Returns `schema` when it is a plain lowercase PostgreSQL identifier, else throws `InvalidSchemaNameError`.
 * Schema names are interpolated into SQL as identifiers, so only this safe subset is allowed.
 */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidSchemaNameError(`invalid schema name: ${JSON.stringify(schema)}`, { schema });
  }
  return schema;
}
