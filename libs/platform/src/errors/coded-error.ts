/**
 * The one base of every error the platform and the services define: a stable `code` (UPPER_SNAKE, prefixed per lib
 * or service: `PLATFORM_DATABASE_...`, `ORDER_...`), the subclass's name as `name` (what logs print), `cause` kept,
 * and `context` fields a structured logger can print (never raw ids or keys). `DomainError` and each platform
 * module's error base extend it; problem mappings match the codes or classes below it.
 */
export abstract class CodedError extends Error {
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
