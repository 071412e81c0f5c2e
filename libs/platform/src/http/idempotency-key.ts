import { ProblemError } from './problem';

/** The contract's bounds of an `Idempotency-Key`: 1..255 printable ASCII characters (space included). */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The `Idempotency-Key` of a command that requires one (order capture). Missing, repeated or outside the bounds
 * → 400 with a pointer to the header. The key itself never reaches a log line or a Redis key unhashed.
 */
export function requiredIdempotencyKey(header: string | string[] | undefined): string {
  const problem = (message: string) =>
    ProblemError.validation('The Idempotency-Key header is invalid.', [
      { in: 'headers', pointer: '/idempotency-key', message },
    ]);
  if (header === undefined || (Array.isArray(header) && header.length === 0)) {
    throw problem('required: 1..255 printable ASCII characters, unique per intended operation');
  }
  if (Array.isArray(header)) throw problem('send the header once');
  if (!IDEMPOTENCY_KEY.test(header)) throw problem('expected 1..255 printable ASCII characters');
  return header;
}
