import { offerIdSchema, tenantIdSchema } from '@cpq/contracts';
import { z } from 'zod';
import { isIsoCurrency } from '../domain/currency';
import { QUANTITY, TERM_MONTHS } from '../domain/price-calculator';

const CURRENCY_MESSAGE = 'expected an active ISO 4217 currency code, e.g. USD';

/**
 * An active ISO 4217 code in canonical upper case (the domain's list). The pattern comes first so the OpenAPI
 * document shows the shape (a refinement is invisible there); one message either way.
 */
export const isoCurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: CURRENCY_MESSAGE, abort: true })
  .refine((code) => isIsoCurrency(code), { message: CURRENCY_MESSAGE });

/** Segments and regions end up in Redis keys: key-safe lower-case identifiers only. */
export const keySafeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  message: 'expected lower-case letters, digits, _ or - (1..64, starting with a letter or digit)',
});

const bps = (min: number) => z.int().min(min).max(10_000);

/** The contract's `PriceEntry`; strict objects, so unknown fields are rejected. */
export const priceEntrySchema = z.strictObject({
  offerId: offerIdSchema,
  currency: isoCurrencySchema,
  basePriceMinor: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  termDiscountsBps: z
    .record(z.string().regex(/^[1-9]\d{0,2}$/, { message: 'expected a term in months, 1..120' }), bps(0))
    .refine((r) => Object.keys(r).every((k) => Number(k) <= TERM_MONTHS.max), {
      message: `terms are 1..${TERM_MONTHS.max} months`,
    })
    .optional(),
  segmentAdjustmentsBps: z.record(keySafeNameSchema, bps(-10_000)).optional(),
  regionAdjustmentsBps: z.record(keySafeNameSchema, bps(-10_000)).optional(),
  quantityTiers: z
    .array(z.strictObject({ minQuantity: z.int().min(1).max(QUANTITY.max), discountBps: bps(0) }))
    .max(100)
    .optional(),
});

export const publishPriceBookBodySchema = z.strictObject({
  entries: z.array(priceEntrySchema).min(1).max(5000),
});

export const publishedPriceBookSchema = z.object({
  priceBookVersion: z.int().min(1),
  entryCount: z.int().min(1),
});

export const calculateBodySchema = z.strictObject({
  offerId: offerIdSchema,
  currency: isoCurrencySchema,
  termMonths: z.int().min(TERM_MONTHS.min).max(TERM_MONTHS.max),
  quantity: z.int().min(QUANTITY.min).max(QUANTITY.max),
  segment: keySafeNameSchema,
  region: keySafeNameSchema,
  priceBookVersion: z.int().min(1).max(2_147_483_647).optional(),
});

export const priceSchema = z.object({
  schemaVersion: z.literal(1),
  priceBookVersion: z.int().min(1),
  offerId: offerIdSchema,
  currency: z.string(),
  termMonths: z.int(),
  quantity: z.int(),
  quantityTier: z.int().min(0),
  segment: z.string(),
  region: z.string(),
  unitAmountMinor: z.int(),
  amountMinor: z.int(),
  calculatedAt: z.iso.datetime(),
  explanation: z.array(z.string()),
});

export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });
