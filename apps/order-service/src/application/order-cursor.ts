import { InvalidOrderCursorError } from '../domain/order.errors';

/** The opaque `cursor` of `GET /orders`: the list position after which the next page starts. */
export function encodeOrderCursor(position: number): string {
  return Buffer.from(`o1:${position}`, 'utf8').toString('base64url');
}

export function decodeOrderCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^o1:([1-9][0-9]{0,15})$/.exec(text);
  const position = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(position) || encodeOrderCursor(position) !== cursor) {
    throw new InvalidOrderCursorError();
  }
  return position;
}
