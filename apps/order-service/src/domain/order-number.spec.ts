import { describe, expect, it } from 'vitest';
import { formatOrderNumber } from './order-number';

describe('formatOrderNumber', () => {
  it('is SO-<yyyy>-<6+ digits>', () => {
    expect(formatOrderNumber(2026, 1)).toBe('SO-2026-000001');
    expect(formatOrderNumber(2026, 999_999)).toBe('SO-2026-999999');
    expect(formatOrderNumber(2026, 1_000_000)).toBe('SO-2026-1000000');
  });
});
