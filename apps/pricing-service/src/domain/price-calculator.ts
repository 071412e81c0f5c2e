/**
 * Price calculation, pure and exact. All arithmetic is bigint on integer minor units; every rounding
 * is half-even (banker's) and happens only where a step says so. Steps, on the per-unit price `u`:
 *
 * 1. base price: `u = basePriceMinor`.
 * 2. term discount: the entry of the largest configured term ≤ termMonths (a 24-month request on a
 *    `{"12", "36"}` book gets the 12-month discount; below the smallest term, none).
 *    `u -= round_half_even(u × bps / 10000)`.
 * 3. segment adjustment: `u += round_half_even(u × bps / 10000)`, bps -10000..10000 (negative = discount,
 *    positive = surcharge); a segment without an entry is not adjusted.
 * 4. region adjustment: as step 3 with the region's bps.
 * 5. quantity tier: the tier with the largest minQuantity ≤ quantity;
 *    `u -= round_half_even(u × discountBps / 10000)`. `quantityTier` is that tier's 1-based rank among
 *    the tiers sorted by minQuantity (0 when no tier applies).
 * 6. amount: `unit × quantity`, exact (no rounding).
 *
 * `explanation` holds `base_price:<u>`, then `<step>:<signed change>` for every step 2–5 whose change is
 * non-zero, then `unit_amount`, `quantity` and `amount`. Since bps never go below -100 %, `u` never goes
 * negative. Results above Number.MAX_SAFE_INTEGER throw PriceOverflowError instead of losing precision.
 */
import type { PriceCalculation, PriceEntry, PriceInput, QuantityTier } from './price-entry';
import { BPS_SCALE } from './price-entry';
import { InvalidPriceEntryError, InvalidPricingInputError, type PricingViolation } from './pricing.errors';
import { applyBps, toSafeNumber } from './rounding';

export const TERM_MONTHS = { min: 1, max: 120 } as const;
export const QUANTITY = { min: 1, max: 100_000 } as const;

export function calculatePrice(entry: PriceEntry, input: PriceInput): PriceCalculation {
  assertValidInput(input);
  const bps = (value: number, min: number, pointer: string): bigint => {
    if (!Number.isInteger(value) || value < min || value > BPS_SCALE) {
      throw new InvalidPriceEntryError(entry.offerId, pointer, `must be an integer in ${min}..${BPS_SCALE}`);
    }
    return BigInt(value);
  };
  if (!Number.isSafeInteger(entry.basePriceMinor) || entry.basePriceMinor < 0) {
    throw new InvalidPriceEntryError(entry.offerId, '/basePriceMinor', 'must be a safe integer ≥ 0');
  }

  let unit = BigInt(entry.basePriceMinor);
  const explanation = [`base_price:${unit}`];
  const adjust = (step: string, signedBps: bigint): void => {
    const next = applyBps(unit, signedBps);
    if (next !== unit) explanation.push(`${step}:${next - unit}`);
    unit = next;
  };

  const term = termDiscount(entry.termDiscountsBps, input.termMonths);
  if (term) adjust('term_discount', -bps(term.bps, 0, `/termDiscountsBps/${term.key}`));

  const segment = ownValue(entry.segmentAdjustmentsBps, input.segment);
  if (segment !== undefined) adjust('segment_adjustment', bps(segment, -BPS_SCALE, '/segmentAdjustmentsBps'));

  const region = ownValue(entry.regionAdjustmentsBps, input.region);
  if (region !== undefined) adjust('region_adjustment', bps(region, -BPS_SCALE, '/regionAdjustmentsBps'));

  const tier = quantityTier(entry.quantityTiers ?? [], input.quantity);
  if (tier) adjust('quantity_tier_discount', -bps(tier.tier.discountBps, 0, '/quantityTiers'));

  const amount = unit * BigInt(input.quantity);
  const result = {
    unitAmountMinor: toSafeNumber(unit, 'unit_amount'),
    amountMinor: toSafeNumber(amount, 'amount'),
    quantityTier: tier?.rank ?? 0,
  };
  explanation.push(`unit_amount:${unit}`, `quantity:${input.quantity}`, `amount:${amount}`);
  return { ...result, explanation };
}

function assertValidInput(input: PriceInput): void {
  const violations: PricingViolation[] = [];
  const check = (pointer: string, value: number, range: { min: number; max: number }): void => {
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      violations.push({ pointer, message: `must be an integer in ${range.min}..${range.max}` });
    }
  };
  check('/termMonths', input.termMonths, TERM_MONTHS);
  check('/quantity', input.quantity, QUANTITY);
  if (violations.length > 0) throw new InvalidPricingInputError(violations);
}

/** The discount of the largest configured term ≤ termMonths; keys that are not whole months are ignored. */
function termDiscount(
  discounts: PriceEntry['termDiscountsBps'],
  termMonths: number,
): { key: string; bps: number } | undefined {
  let best: { key: string; months: number; bps: number } | undefined;
  for (const [key, bps] of Object.entries(discounts ?? {})) {
    if (!/^[1-9]\d{0,2}$/.test(key)) continue;
    const months = Number(key);
    if (months <= termMonths && (!best || months > best.months)) best = { key, months, bps };
  }
  return best;
}

// Own properties only: a segment named "constructor" must not find Object.prototype.constructor.
function ownValue(record: Readonly<Record<string, number>> | undefined, key: string): number | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Ties on minQuantity (which publishing rejects) resolve to the later tier in the entry. */
function quantityTier(
  tiers: readonly QuantityTier[],
  quantity: number,
): { tier: QuantityTier; rank: number } | undefined {
  const sorted = [...tiers].sort((a, b) => a.minQuantity - b.minQuantity);
  let applied: { tier: QuantityTier; rank: number } | undefined;
  sorted.forEach((tier, index) => {
    if (tier.minQuantity <= quantity) applied = { tier, rank: index + 1 };
  });
  return applied;
}
