import { z } from 'zod';
import {
  amountMinorSchema,
  attributesSchema,
  currencySchema,
  isoTimestampSchema,
  offerIdSchema,
  opaqueIdSchema,
  versionNumberSchema,
} from '../identifiers';

// Payloads of schemaVersion 1. Readers are tolerant: unknown fields are stripped, not rejected, so a producer
// may add an optional field without breaking consumers still on the old schema.

/** `cpq.catalog.published.v1` */
export const catalogPublishedPayloadSchema = z.object({
  catalogVersion: versionNumberSchema,
  publishedAt: isoTimestampSchema,
  offers: z.array(z.object({ offerId: offerIdSchema, status: z.enum(['ACTIVE', 'RETIRED']) })),
});

/** `cpq.pricebook.published.v1` */
export const pricebookPublishedPayloadSchema = z.object({
  priceBookVersion: versionNumberSchema,
  publishedAt: isoTimestampSchema,
  entryCount: z.number().int().min(0),
  offerIds: z.array(offerIdSchema),
});

/** One selected option of a configuration. */
export const selectedOptionSchema = z.object({
  offerId: offerIdSchema,
  quantity: z.number().int().min(1),
  attributes: attributesSchema.optional(),
});

/** `cpq.config.finalized.v1` */
export const configFinalizedPayloadSchema = z.object({
  configurationId: opaqueIdSchema,
  sessionId: opaqueIdSchema,
  ownerSub: opaqueIdSchema,
  catalogVersion: versionNumberSchema,
  selectedOptions: z.array(selectedOptionSchema),
});

/** Order statuses and the allowed transitions live in order-service; the event names them only. */
export const orderStatusSchema = z.enum(['CAPTURED', 'SUBMITTED', 'CANCELLED', 'FULFILLED']);

/** One line of an order. */
export const orderLineSchema = z.object({
  offerId: offerIdSchema,
  quantity: z.number().int().min(1).max(100_000),
  unitAmountMinor: amountMinorSchema,
  termMonths: z.number().int().min(1).max(120),
});

/** `oms.order.captured.v1` */
export const orderCapturedPayloadSchema = z.object({
  orderId: opaqueIdSchema,
  orderNumber: z.string().regex(/^SO-\d{4}-\d{6,}$/, 'invalid order number'),
  currency: currencySchema,
  totalAmountMinor: amountMinorSchema,
  configurationId: opaqueIdSchema.optional(),
  lines: z.array(orderLineSchema).min(1),
});

/** `oms.order.status-changed.v1` */
export const orderStatusChangedPayloadSchema = z.object({
  orderId: opaqueIdSchema,
  from: orderStatusSchema,
  to: orderStatusSchema,
  version: versionNumberSchema,
});

export type CatalogPublishedPayload = z.infer<typeof catalogPublishedPayloadSchema>;
export type PricebookPublishedPayload = z.infer<typeof pricebookPublishedPayloadSchema>;
export type ConfigFinalizedPayload = z.infer<typeof configFinalizedPayloadSchema>;
export type OrderCapturedPayload = z.infer<typeof orderCapturedPayloadSchema>;
export type OrderStatusChangedPayload = z.infer<typeof orderStatusChangedPayloadSchema>;
export type SelectedOption = z.infer<typeof selectedOptionSchema>;
export type OrderLine = z.infer<typeof orderLineSchema>;
export type OrderStatus = z.infer<typeof orderStatusSchema>;
