import { currencySchema, offerIdSchema, tenantIdSchema } from '@cpq/contracts';
import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order';
import { TRANSITION_TARGETS } from '../domain/order-lifecycle';

/** Text without control characters (PostgreSQL text cannot hold NUL; none of these fields needs the others). */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, { message: 'expected printable text without control characters' });

export const orderLineInputSchema = z.strictObject({
  offerId: offerIdSchema,
  quantity: z.int().min(1).max(100_000),
  unitAmountMinor: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  termMonths: z.int().min(1).max(120),
});

/** The body of `POST /orders` (the contract's; strict objects, so unknown fields are rejected). */
export const captureBodySchema = z.strictObject({
  configurationId: printable(200).optional(),
  currency: currencySchema,
  customerRef: printable(200).optional(),
  lines: z.array(orderLineInputSchema).min(1).max(500),
});

export const transitionBodySchema = z.strictObject({ to: z.enum(TRANSITION_TARGETS) });

export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });

export const orderParamsSchema = z.strictObject({
  tenantId: tenantIdSchema,
  orderId: z.uuid({ message: 'expected an order id (UUID)' }),
});

/** Canonical decimal only: `01`, `1e0` or `+1` are not 1. */
const limitParam = z
  .string()
  .regex(/^[1-9]\d{0,2}$/, { message: 'expected an integer 1..200' })
  .transform(Number)
  .pipe(z.number().int().min(1).max(200));

export const listQuerySchema = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: limitParam.default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'expected a cursor from a previous page' })
    .optional(),
});

const orderLineSchema = orderLineInputSchema.extend({ amountMinor: z.int().min(0) });

/** The contract's order (responses). */
export const orderSchema = z.object({
  orderId: z.uuid(),
  orderNumber: z.string().regex(/^SO-\d{4}-\d{6,}$/),
  status: z.enum(ORDER_STATUSES),
  version: z.int().min(1),
  currency: z.string(),
  customerRef: z.string().optional(),
  configurationId: z.string().optional(),
  lines: z.array(orderLineSchema),
  totalAmountMinor: z.int().min(0),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const orderListSchema = z.object({
  items: z.array(orderSchema),
  nextCursor: z.string().nullable(),
});
