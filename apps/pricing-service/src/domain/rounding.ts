import { PriceOverflowError } from './pricing.errors';
import { BPS_SCALE } from './price-entry';

const BPS = BigInt(BPS_SCALE);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * `numerator / denominator` rounded half to even (banker's rounding), exact for any size.
 * Symmetric around zero: -0.5 → 0, -1.5 → -2, -2.5 → -2.
 */
export function divRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  const twiceRemainder = (magnitude % denominator) * 2n;
  const awayFromZero =
    twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n);
  if (awayFromZero) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** `amount × bps / 10000`, rounded half-even: the signed change a bps adjustment makes. */
export function bpsShare(amountMinor: bigint, bps: bigint): bigint {
  return divRoundHalfEven(amountMinor * bps, BPS);
}

/** The amount after a signed bps adjustment (negative = discount): `amount + bpsShare(amount, bps)`. */
export function applyBps(amountMinor: bigint, bps: bigint): bigint {
  return amountMinor + bpsShare(amountMinor, bps);
}

/** Leaves bigint arithmetic; throws PriceOverflowError rather than return an inexact number. */
export function toSafeNumber(value: bigint, step: string): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) throw new PriceOverflowError(step, value.toString());
  return Number(value);
}
