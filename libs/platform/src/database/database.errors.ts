/**
 * Errors of the database module. Each has a stable `code` (prefix `PLATFORM_DATABASE_`), keeps its `cause`
 * and carries context fields a structured logger can print.
 */
export abstract class PlatformDatabaseError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A PostgreSQL schema name is not a plain lowercase identifier (`^[a-z_][a-z0-9_]{0,62}$`). */
export class InvalidSchemaNameError extends PlatformDatabaseError {
  readonly code = 'PLATFORM_DATABASE_INVALID_SCHEMA_NAME';
}
