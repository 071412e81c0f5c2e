import type { OrderLineInput } from './order';

/** A selected option of a finalized configuration (the part an order must match). */
export interface SelectedOption {
  readonly offerId: string;
  readonly quantity: number;
}

/**
 * Whether the order's lines carry exactly the configuration's selections: the same (offerId, quantity) pairs,
 * each as often, in any order. Prices and terms are the order's own.
 */
export function linesMatchSelections(
  lines: readonly Pick<OrderLineInput, 'offerId' | 'quantity'>[],
  selections: readonly SelectedOption[],
): boolean {
  if (lines.length !== selections.length) return false;
  const pairs = (items: readonly { offerId: string; quantity: number }[]) =>
    items.map((item) => `${item.offerId}\u0000${item.quantity}`).sort();
  const a = pairs(lines);
  const b = pairs(selections);
  return a.every((pair, index) => pair === b[index]);
}
