/** `SO-<yyyy>-<n>`, n zero-padded to 6 digits and growing past them (SO-2026-1000000 follows SO-2026-999999). */
export function formatOrderNumber(year: number, sequence: number): string {
  return `SO-${year}-${String(sequence).padStart(6, '0')}`;
}
