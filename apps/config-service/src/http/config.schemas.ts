import { offerIdSchema, tenantIdSchema } from '@cpq/contracts';
import { z } from 'zod';

/** Order lines allow up to 100,000 of an offer; a selection does not go beyond what can be ordered. */
export const MAX_QUANTITY = 100_000;
export const MAX_SELECTED_OPTIONS = 500;
const MAX_VERSION = 2_147_483_647;

const idSchema = z.uuid({ message: 'expected a UUID' });

export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });
export const sessionParamsSchema = z.strictObject({ tenantId: tenantIdSchema, sessionId: idSchema });
export const configurationParamsSchema = z.strictObject({
  tenantId: tenantIdSchema,
  configurationId: idSchema,
});

/** `{catalogVersion?}`; the body may be left out altogether (the current version). */
export const createSessionBodySchema = z
  .strictObject({ catalogVersion: z.int().min(1).max(MAX_VERSION).optional() })
  .optional();

export const selectedOptionSchema = z.strictObject({
  offerId: offerIdSchema,
  quantity: z.int().min(1).max(MAX_QUANTITY),
  attributes: z
    .record(
      z.string().min(1).max(100),
      z.union([z.string().max(1000), z.number().refine(Number.isFinite), z.boolean()]),
    )
    .refine((a) => Object.keys(a).length <= 50, { message: 'at most 50 attributes' })
    .optional(),
});

export const selectionsBodySchema = z.strictObject({
  selectedOptions: z.array(selectedOptionSchema).max(MAX_SELECTED_OPTIONS),
});

const issueSchema = z.object({ code: z.string(), offerId: offerIdSchema.optional(), message: z.string() });

export const sessionSchema = z.object({
  schemaVersion: z.literal(1),
  sessionId: idSchema,
  version: z.int().min(1),
  status: z.enum(['DRAFT', 'FINALIZED']),
  catalogVersion: z.int().min(1),
  selectedOptions: z.array(selectedOptionSchema),
  validationSummary: z.object({
    valid: z.boolean(),
    errors: z.array(issueSchema),
    warnings: z.array(issueSchema),
  }),
  lastValidatedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});

export const finalizedSessionSchema = z.object({
  sessionId: idSchema,
  configurationId: idSchema,
  status: z.literal('FINALIZED'),
  version: z.int().min(1),
});

export const configurationSchema = z.object({
  configurationId: idSchema,
  sessionId: idSchema,
  ownerSub: z.string(),
  status: z.literal('FINALIZED'),
  catalogVersion: z.int().min(1),
  selectedOptions: z.array(selectedOptionSchema),
  version: z.int().min(1),
  finalizedAt: z.iso.datetime(),
});
