import { offerIdSchema, tenantIdSchema } from '@cpq/contracts';
import { z } from 'zod';

/** The contract's `Offer`; strict objects, so unknown fields are rejected. */
export const offerSchema = z.strictObject({
  offerId: offerIdSchema,
  displayName: z.string().min(1).max(200),
  status: z.enum(['ACTIVE', 'RETIRED']),
  eligibleActions: z.array(z.enum(['ADD', 'CHANGE', 'REMOVE'])).max(3),
  attributes: z
    .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
    .optional(),
  rules: z
    .strictObject({
      requires: z.array(offerIdSchema).max(500).optional(),
      excludes: z.array(offerIdSchema).max(500).optional(),
      minQuantity: z.int().min(1).optional(),
      maxQuantity: z.int().min(1).optional(),
    })
    .optional(),
});

export const publishCatalogBodySchema = z.strictObject({
  offers: z.array(offerSchema).min(1).max(5000),
});

export const publishedCatalogSchema = z.object({
  catalogVersion: z.int().min(1),
  publishedAt: z.iso.datetime(),
  offerCount: z.int().min(1),
});

export const currentCatalogSchema = z.object({
  currentVersion: z.int().min(1),
  publishedAt: z.iso.datetime(),
});

export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });

/** Canonical decimal only: `01`, `1e0`, `0x1` or `+1` are not version 1. */
const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, { message: 'expected a positive integer' })
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

const versionParam = positiveInt(2_147_483_647);

export const versionParamsSchema = z.strictObject({ tenantId: tenantIdSchema, version: versionParam });

export const offerParamsSchema = z.strictObject({ tenantId: tenantIdSchema, offerId: offerIdSchema });

export const versionOfferParamsSchema = z.strictObject({
  tenantId: tenantIdSchema,
  version: versionParam,
  offerId: offerIdSchema,
});

export const offerPageQuerySchema = z.strictObject({
  limit: positiveInt(200).default(50),
  cursor: offerIdSchema.optional(),
});

export const offerPageSchema = z.object({
  items: z.array(offerSchema),
  nextCursor: offerIdSchema.nullable(),
});
