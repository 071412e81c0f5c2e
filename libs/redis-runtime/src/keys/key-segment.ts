import { createHash } from 'node:crypto';
import { InvalidKeySegmentError } from '../errors';

/** `:` separates segments, `{`/`}` delimit cluster hash tags; whitespace and control characters hide keys. */
const FORBIDDEN = /[:{}\s\p{Cc}]/u;
const FORBIDDEN_GLOBAL = /[:{}\s\p{Cc}%]/gu;
const MAX_SEGMENT_LENGTH = 256;

export type KeySegment = string | number;

/** Returns the segment unchanged, or throws when it could break out of its place in the key. */
export function assertKeySegment(value: KeySegment, what = 'key segment'): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new InvalidKeySegmentError(`${what} must be a safe integer`, { what });
    return String(value);
  }
  if (value.length === 0 || value.length > MAX_SEGMENT_LENGTH || FORBIDDEN.test(value)) {
    throw new InvalidKeySegmentError(`${what} is empty, too long or contains a forbidden character`, {
      what,
      length: value.length,
    });
  }
  return value;
}

/** Percent-encodes every forbidden character and `%` itself (so escaping is injective): any string becomes one safe segment. */
export function escapeKeySegment(value: string): string {
  if (value.length === 0) throw new InvalidKeySegmentError('key segment is empty', {});
  return value.replace(FORBIDDEN_GLOBAL, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

/** A short, stable, key-safe digest of an identifier that must not appear in clear (user ids, idempotency keys). */
export function hashKeySegment(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
