/** The logging port of the events module: the subset of pino's `Logger` it uses. */
export interface EventsLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentEventsLogger: EventsLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** An error's message for logs and `outbox.last_error`, bounded in length. */
export function errorMessage(error: unknown, maxLength = 1000): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.length > maxLength ? `${message.slice(0, maxLength - 1)}…` : message;
}
