import { createHash } from 'node:crypto';

/**
 * The logging port: the subset of pino's Logger the library uses. Fields carry the key family and hashed
 * identifiers (`hashForLog`), never a raw tenant id, user id, token or key.
 */
export interface RuntimeLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: RuntimeLogger = { warn() {}, debug() {} };

/** A short digest of an identifier for logs: correlatable across lines, not reversible to the id. */
export function hashForLog(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
