import { describe, expect, it } from 'vitest';
import { requiredIdempotencyKey } from './idempotency-key';
import { ProblemError } from './problem';

describe('requiredIdempotencyKey', () => {
  it('accepts 1..255 printable ASCII characters as they are', () => {
    expect(requiredIdempotencyKey('a')).toBe('a');
    expect(requiredIdempotencyKey('order 2026-11-26 #1 {x}')).toBe('order 2026-11-26 #1 {x}');
    expect(requiredIdempotencyKey('k'.repeat(255))).toBe('k'.repeat(255));
  });

  it('answers 400 with a pointer to the header when missing, repeated, empty, too long or not printable ASCII', () => {
    for (const header of [
      undefined,
      [],
      ['a', 'b'],
      '',
      'k'.repeat(256),
      'tab\there',
      'nul\u0000',
      'é',
      '🔑',
    ]) {
      let caught: unknown;
      try {
        requiredIdempotencyKey(header);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(header)).toBeInstanceOf(ProblemError);
      expect((caught as ProblemError).status).toBe(400);
      expect((caught as ProblemError).errors).toEqual([
        expect.objectContaining({ in: 'headers', pointer: '/idempotency-key' }),
      ]);
    }
  });
});
