import { OrderAmountOutOfRangeError } from './order.errors';
import type { OrderLine, OrderLineInput } from './order';

/** Lines with their amounts and the order total, all exact integers in minor units. */
export interface PricedLines {
  readonly lines: readonly OrderLine[];
  readonly totalAmountMinor: number;
}

/**
 * Each line's amount is its unit amount times its quantity; the total is their sum. Computed in bigint and
 * refused (422) when any result leaves Number's exact range, so a stored amount is never rounded.
 */
export function priceLines(lines: readonly OrderLineInput[]): PricedLines {
  let total = 0n;
  const priced = lines.map((line, index) => {
    const amount = BigInt(line.unitAmountMinor) * BigInt(line.quantity);
    if (amount > MAX) throw new OrderAmountOutOfRangeError(`/lines/${index}`, amount.toString());
    total += amount;
    return { ...line, amountMinor: Number(amount) };
  });
  if (total > MAX) throw new OrderAmountOutOfRangeError('/lines', total.toString());
  return { lines: priced, totalAmountMinor: Number(total) };
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
