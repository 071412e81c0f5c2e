import { describe, expect, it } from 'vitest';
import { InvalidOrderCursorError } from '../domain/order.errors';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor';

describe('order cursor', () => {
  it('round-trips a list position', () => {
    for (const position of [1, 42, Number.MAX_SAFE_INTEGER]) {
      expect(decodeOrderCursor(encodeOrderCursor(position))).toBe(position);
    }
  });

  it.each(['', 'bm9wZQ', 'bzE6MA', 'bzE6MDE', 'bzE6LTE', 'bzE6MTAwMDAwMDAwMDAwMDAwMDAw'])(
    'refuses %j',
    (cursor) => {
      expect(() => decodeOrderCursor(cursor)).toThrow(InvalidOrderCursorError);
    },
  );
});
