import type { PriceEntry, PriceInput } from '../src/domain/price-entry';

/**
 * The hand-written pricing table: checked against the engine by src/domain/price-calculator.spec.ts and end to end
 * by pricing-table-http.test.ts. Plain data, no servers.
 */
export const entry = (basePriceMinor: number, rest: Partial<PriceEntry> = {}): PriceEntry => ({
  offerId: 'offer-a',
  currency: 'USD',
  basePriceMinor,
  ...rest,
});
export const input = (rest: Partial<PriceInput> = {}): PriceInput => ({
  termMonths: 12,
  quantity: 1,
  segment: 'smb',
  region: 'us',
  ...rest,
});

const terms = { '12': 500, '24': 1000, '36': 1500 };
// Deliberately out of order: ranks follow minQuantity, not array position.
const tiers = [
  { minQuantity: 100, discountBps: 1000 },
  { minQuantity: 10, discountBps: 500 },
  { minQuantity: 1000, discountBps: 2000 },
];

export interface PriceCase {
  name: string;
  entry: PriceEntry;
  input?: Partial<PriceInput>;
  unit: number;
  amount: number;
  tier?: number;
  explanation?: string[];
}

// Every expected value is worked out by hand in the comment; half-even: x.5 goes to the even neighbour.
export const PRICE_CASES: PriceCase[] = [
  // --- half-even rounding of a discount: change = -round(u × bps / 10000)
  // 1 × 50 % = 0.5 → 0: nothing changes, so no term line
  {
    name: 'discount 0.5 rounds to 0',
    entry: entry(1, { termDiscountsBps: { '12': 5000 } }),
    unit: 1,
    amount: 1,
    explanation: ['base_price:1', 'unit_amount:1', 'quantity:1', 'amount:1'],
  },
  // 3 × 50 % = 1.5 → 2; 3 - 2 = 1
  {
    name: 'discount 1.5 rounds up to 2',
    entry: entry(3, { termDiscountsBps: { '12': 5000 } }),
    unit: 1,
    amount: 1,
  },
  // 5 × 50 % = 2.5 → 2; 5 - 2 = 3
  {
    name: 'discount 2.5 rounds down to 2',
    entry: entry(5, { termDiscountsBps: { '12': 5000 } }),
    unit: 3,
    amount: 3,
  },
  // 7 × 50 % = 3.5 → 4; 7 - 4 = 3
  {
    name: 'discount 3.5 rounds up to 4',
    entry: entry(7, { termDiscountsBps: { '12': 5000 } }),
    unit: 3,
    amount: 3,
  },
  // 101 × 50 % = 50.5 → 50; 101 - 50 = 51
  {
    name: 'discount 50.5 rounds down to 50',
    entry: entry(101, { termDiscountsBps: { '12': 5000 } }),
    unit: 51,
    amount: 51,
  },
  // 999 × 1 / 10000 = 0.0999 → 0
  {
    name: 'a 1 bps discount below half a minor unit is dropped',
    entry: entry(999, { termDiscountsBps: { '12': 1 } }),
    unit: 999,
    amount: 999,
  },
  // 15001 × 3333 = 49 998 333 → 4999.8333 → 5000; 15001 - 5000 = 10001
  {
    name: 'a non-half fraction rounds to nearest',
    entry: entry(15001, { termDiscountsBps: { '12': 3333 } }),
    unit: 10001,
    amount: 10001,
  },

  // --- negative adjustments: change = round(u × bps / 10000) with bps < 0
  // 1 × -50 % = -0.5 → 0
  {
    name: 'negative adjustment -0.5 rounds to 0',
    entry: entry(1, { segmentAdjustmentsBps: { smb: -5000 } }),
    unit: 1,
    amount: 1,
  },
  // 3 × -50 % = -1.5 → -2; 3 - 2 = 1
  {
    name: 'negative adjustment -1.5 rounds to -2',
    entry: entry(3, { segmentAdjustmentsBps: { smb: -5000 } }),
    unit: 1,
    amount: 1,
    explanation: ['base_price:3', 'segment_adjustment:-2', 'unit_amount:1', 'quantity:1', 'amount:1'],
  },
  // 5 × -50 % = -2.5 → -2; 5 - 2 = 3
  {
    name: 'negative adjustment -2.5 rounds to -2',
    entry: entry(5, { segmentAdjustmentsBps: { smb: -5000 } }),
    unit: 3,
    amount: 3,
  },

  // --- positive surcharges
  // 1 × 50 % = 0.5 → 0
  {
    name: 'surcharge 0.5 rounds to 0',
    entry: entry(1, { regionAdjustmentsBps: { us: 5000 } }),
    unit: 1,
    amount: 1,
  },
  // 3 × 50 % = 1.5 → 2; 3 + 2 = 5
  {
    name: 'surcharge 1.5 rounds to 2',
    entry: entry(3, { regionAdjustmentsBps: { us: 5000 } }),
    unit: 5,
    amount: 5,
  },
  // 5 × 50 % = 2.5 → 2; 5 + 2 = 7
  {
    name: 'surcharge 2.5 rounds to 2',
    entry: entry(5, { regionAdjustmentsBps: { us: 5000 } }),
    unit: 7,
    amount: 7,
    explanation: ['base_price:5', 'region_adjustment:2', 'unit_amount:7', 'quantity:1', 'amount:7'],
  },

  // --- 0 %, 100 %, -100 %, +100 %, base 0
  // the contract's example: 150000 × 1340 / 10000 = 20100; 150000 - 20100 = 129900
  {
    name: 'the contract example (36-month term)',
    entry: entry(150_000, { termDiscountsBps: { '36': 1340 } }),
    input: { termMonths: 36 },
    unit: 129_900,
    amount: 129_900,
    explanation: [
      'base_price:150000',
      'term_discount:-20100',
      'unit_amount:129900',
      'quantity:1',
      'amount:129900',
    ],
  },
  // 0 bps changes nothing and leaves no line
  {
    name: 'a 0 % term discount',
    entry: entry(5000, { termDiscountsBps: { '12': 0 } }),
    unit: 5000,
    amount: 5000,
    explanation: ['base_price:5000', 'unit_amount:5000', 'quantity:1', 'amount:5000'],
  },
  // 5000 × 100 % = 5000 → 0
  {
    name: 'a 100 % term discount',
    entry: entry(5000, { termDiscountsBps: { '12': 10_000 } }),
    input: { quantity: 7 },
    unit: 0,
    amount: 0,
  },
  // 12345 × -100 % = -12345 → 0
  {
    name: 'a -10000 bps segment adjustment makes it free',
    entry: entry(12_345, { segmentAdjustmentsBps: { smb: -10_000 } }),
    unit: 0,
    amount: 0,
  },
  // 12345 × +100 % = 12345 → 24690
  {
    name: 'a +10000 bps segment surcharge doubles it',
    entry: entry(12_345, { segmentAdjustmentsBps: { smb: 10_000 } }),
    unit: 24_690,
    amount: 24_690,
  },
  // every step is 0 × bps = 0; the tier still applies (rank 1 of 1)
  {
    name: 'base price 0 stays 0 through every step',
    entry: entry(0, {
      termDiscountsBps: { '12': 500 },
      segmentAdjustmentsBps: { smb: 3000 },
      regionAdjustmentsBps: { us: -2000 },
      quantityTiers: [{ minQuantity: 1, discountBps: 900 }],
    }),
    input: { quantity: 4 },
    unit: 0,
    amount: 0,
    tier: 1,
    explanation: ['base_price:0', 'unit_amount:0', 'quantity:4', 'amount:0'],
  },

  // --- unknown keys
  // neither "smb" nor "us" is configured: 1000 unchanged
  {
    name: 'unknown segment and region are not adjusted',
    entry: entry(1000, { segmentAdjustmentsBps: { enterprise: -1000 }, regionAdjustmentsBps: { eu: 500 } }),
    unit: 1000,
    amount: 1000,
  },
  // "constructor" is not an own key, so Object.prototype must not leak in
  {
    name: 'a segment named like a prototype property is unknown',
    entry: entry(1000, { segmentAdjustmentsBps: { enterprise: -1000 } }),
    input: { segment: 'constructor' },
    unit: 1000,
    amount: 1000,
  },

  // --- term picking on {12: 5 %, 24: 10 %, 36: 15 %}, base 10000
  // exact 12: 10000 × 5 % = 500 → 9500
  {
    name: 'term: exact match',
    entry: entry(10_000, { termDiscountsBps: terms }),
    input: { termMonths: 12 },
    unit: 9500,
    amount: 9500,
  },
  // exact 36: 15 % = 1500 → 8500
  {
    name: 'term: exact match on the largest',
    entry: entry(10_000, { termDiscountsBps: terms }),
    input: { termMonths: 36 },
    unit: 8500,
    amount: 8500,
  },
  // 30 lies between 24 and 36: 24's 10 % = 1000 → 9000
  {
    name: 'term: between two terms takes the lower one',
    entry: entry(10_000, { termDiscountsBps: terms }),
    input: { termMonths: 30 },
    unit: 9000,
    amount: 9000,
  },
  // 6 < 12: no discount
  {
    name: 'term: below the smallest gets no discount',
    entry: entry(10_000, { termDiscountsBps: terms }),
    input: { termMonths: 6 },
    unit: 10_000,
    amount: 10_000,
  },
  // 120 > 36: 36's 15 % → 8500
  {
    name: 'term: above the largest takes the largest',
    entry: entry(10_000, { termDiscountsBps: terms }),
    input: { termMonths: 120 },
    unit: 8500,
    amount: 8500,
  },
  // "abc" and "0" are not months and are skipped; 12 applies: 9500
  {
    name: 'term: keys that are not months are ignored',
    entry: entry(10_000, { termDiscountsBps: { abc: 9000, '0': 9000, '12': 500 } }),
    input: { termMonths: 24 },
    unit: 9500,
    amount: 9500,
  },

  // --- quantity tiers {10: 5 %, 100: 10 %, 1000: 20 %}, base 1000
  // 9 < 10: no tier; 1000 × 9 = 9000
  {
    name: 'tier: one below the first boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 9 },
    unit: 1000,
    amount: 9000,
    tier: 0,
  },
  // 10: rank 1, 1000 × 5 % = 50 → 950; 950 × 10 = 9500
  {
    name: 'tier: on the first boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 10 },
    unit: 950,
    amount: 9500,
    tier: 1,
    explanation: [
      'base_price:1000',
      'quantity_tier_discount:-50',
      'unit_amount:950',
      'quantity:10',
      'amount:9500',
    ],
  },
  // 99: still rank 1, 950 × 99 = 94050
  {
    name: 'tier: one below the second boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 99 },
    unit: 950,
    amount: 94_050,
    tier: 1,
  },
  // 100: rank 2, 10 % = 100 → 900; × 100 = 90000
  {
    name: 'tier: on the second boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 100 },
    unit: 900,
    amount: 90_000,
    tier: 2,
  },
  // 999: rank 2, 900 × 999 = 899100
  {
    name: 'tier: one below the third boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 999 },
    unit: 900,
    amount: 899_100,
    tier: 2,
  },
  // 1000: rank 3, 20 % = 200 → 800; × 1000 = 800000
  {
    name: 'tier: on the third boundary',
    entry: entry(1000, { quantityTiers: tiers }),
    input: { quantity: 1000 },
    unit: 800,
    amount: 800_000,
    tier: 3,
  },
  // no tiers: 1000 × 500 = 500000, tier 0
  {
    name: 'tier: none configured',
    entry: entry(1000),
    input: { quantity: 500 },
    unit: 1000,
    amount: 500_000,
    tier: 0,
  },
  // a 0 % tier applies (rank 1) but changes nothing
  {
    name: 'tier: a 0 % tier applies without a line',
    entry: entry(1000, { quantityTiers: [{ minQuantity: 1, discountBps: 0 }] }),
    unit: 1000,
    amount: 1000,
    tier: 1,
    explanation: ['base_price:1000', 'unit_amount:1000', 'quantity:1', 'amount:1000'],
  },
  // 50: 100 % tier → 0
  {
    name: 'tier: a 100 % tier makes it free',
    entry: entry(1000, { quantityTiers: [{ minQuantity: 50, discountBps: 10_000 }] }),
    input: { quantity: 50 },
    unit: 0,
    amount: 0,
    tier: 1,
  },

  // --- every step together
  // 150000 - 20100 (36 m: 13.4 %) = 129900
  // segment -2.5 %: 129900 × 250 / 10000 = 3247.5 → 3248 (even) → 126652
  // region +19 %: 126652 × 0.19 = 24063.88 → 24064 → 150716
  // tier 5 % (qty 10 ≥ 10): 150716 × 0.05 = 7535.8 → 7536 → 143180; × 10 = 1431800
  {
    name: 'all steps: contract-sized numbers',
    entry: entry(150_000, {
      termDiscountsBps: { '12': 1000, '36': 1340 },
      segmentAdjustmentsBps: { enterprise: -250 },
      regionAdjustmentsBps: { eu: 1900 },
      quantityTiers: [{ minQuantity: 10, discountBps: 500 }],
    }),
    input: { termMonths: 36, quantity: 10, segment: 'enterprise', region: 'eu' },
    unit: 143_180,
    amount: 1_431_800,
    tier: 1,
    explanation: [
      'base_price:150000',
      'term_discount:-20100',
      'segment_adjustment:-3248',
      'region_adjustment:24064',
      'quantity_tier_discount:-7536',
      'unit_amount:143180',
      'quantity:10',
      'amount:1431800',
    ],
  },
  // 25 - 1 (4 %) = 24; 24 × -20 % = -4.8 → -5 → 19; 19 × 50 % = 9.5 → 10 (even) → 29;
  // 29 × 50 % = 14.5 → 14 (even) → 15; × 3 = 45
  {
    name: 'all steps: each rounding half-even on a small price',
    entry: entry(25, {
      termDiscountsBps: { '12': 400 },
      segmentAdjustmentsBps: { smb: -2000 },
      regionAdjustmentsBps: { us: 5000 },
      quantityTiers: [{ minQuantity: 1, discountBps: 5000 }],
    }),
    input: { quantity: 3 },
    unit: 15,
    amount: 45,
    tier: 1,
    explanation: [
      'base_price:25',
      'term_discount:-1',
      'segment_adjustment:-5',
      'region_adjustment:10',
      'quantity_tier_discount:-14',
      'unit_amount:15',
      'quantity:3',
      'amount:45',
    ],
  },

  // --- large numbers
  // MAX_SAFE 9007199254740991 / 100000 = 90071992547.4…: 90071992547 × 100000 = 9007199254700000 fits
  {
    name: 'large: 100000 × the largest unit price that fits',
    entry: entry(90_071_992_547),
    input: { quantity: 100_000 },
    unit: 90_071_992_547,
    amount: 9_007_199_254_700_000,
  },
  // 9007199254740991 × 1 / 10000 = 900719925474.0991 → 900719925474;
  // 9007199254740991 - 900719925474 = 9006298534815517
  {
    name: 'large: a discount on MAX_SAFE_INTEGER stays exact',
    entry: entry(Number.MAX_SAFE_INTEGER, { termDiscountsBps: { '12': 1 } }),
    unit: 9_006_298_534_815_517,
    amount: 9_006_298_534_815_517,
  },
  // 12345679 × 5 / 10000 = 6172.8395 → 6173 → 12339506; × 100000 = 1233950600000
  {
    name: 'large: top quantity with a tier discount',
    entry: entry(12_345_679, { quantityTiers: [{ minQuantity: 100_000, discountBps: 5 }] }),
    input: { quantity: 100_000 },
    unit: 12_339_506,
    amount: 1_233_950_600_000,
    tier: 1,
  },
];
