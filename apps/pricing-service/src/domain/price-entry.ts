/** Basis points: 10000 bps = 100 %. */
export const BPS_SCALE = 10_000;

export interface QuantityTier {
  /** Integer ≥ 1; the tier applies from this quantity upwards. */
  readonly minQuantity: number;
  /** 0..10000, a discount on the unit price. */
  readonly discountBps: number;
}

/** One offer's price in one currency within a price book version (the contract's `PriceEntry`). */
export interface PriceEntry {
  readonly offerId: string;
  /** ISO 4217 code; amounts are in its minor unit. */
  readonly currency: string;
  /** Integer ≥ 0, per unit, in minor units. */
  readonly basePriceMinor: number;
  /** Keyed by term in months (`"12"`, `"36"`); values 0..10000. */
  readonly termDiscountsBps?: Readonly<Record<string, number>>;
  /** Keyed by customer segment; -10000..10000 (negative = discount, positive = surcharge). */
  readonly segmentAdjustmentsBps?: Readonly<Record<string, number>>;
  /** Keyed by region; -10000..10000 (negative = discount, positive = surcharge). */
  readonly regionAdjustmentsBps?: Readonly<Record<string, number>>;
  readonly quantityTiers?: readonly QuantityTier[];
}

export interface PriceInput {
  /** Integer 1..120. */
  readonly termMonths: number;
  /** Integer 1..100000. */
  readonly quantity: number;
  readonly segment: string;
  readonly region: string;
}

export interface PriceCalculation {
  /** Per-unit price after every adjustment, minor units. */
  readonly unitAmountMinor: number;
  /** `unitAmountMinor × quantity`, minor units. */
  readonly amountMinor: number;
  /** 1-based rank of the applied tier among the entry's tiers sorted by minQuantity; 0 when none applies. */
  readonly quantityTier: number;
  readonly explanation: readonly string[];
}
