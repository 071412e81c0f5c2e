import { z } from 'zod';

/** A tenant id: the `{tenantId}` path segment of every business route. */
export const tenantIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'invalid tenant id');

/** An offer id, unique within a catalog version. */
export const offerIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'invalid offer id');

/** An ISO 4217 currency code, e.g. `EUR`. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'invalid ISO 4217 currency code');

/** An opaque identifier minted by a service (session, configuration, order, user `sub`). */
export const opaqueIdSchema = z.string().min(1).max(200);

/** A UTC timestamp in ISO 8601, e.g. `2025-01-31T12:00:00.000Z` (an offset is accepted). */
export const isoTimestampSchema = z.iso.datetime({ offset: true });

/** A version number of an immutable, versioned aggregate (catalog, price book, order). */
export const versionNumberSchema = z.number().int().min(1);

/** An amount in integer minor units of a currency (cents), never negative. */
export const amountMinorSchema = z.number().int().min(0);

/** `name → string | number | boolean`, the attributes of an offer or a selected option. */
export const attributesSchema = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]));

export type TenantId = z.infer<typeof tenantIdSchema>;
export type OfferId = z.infer<typeof offerIdSchema>;
