import { z } from 'zod';
import { isoTimestampSchema, opaqueIdSchema, tenantIdSchema } from '../identifiers';

/** The schema version every envelope and payload of this contract carries. */
export const EVENT_SCHEMA_VERSION = 1;

/**
 * The envelope every event travels in, JSON on the wire. The message key is `<tenantId>:<aggregateId>`
 * (`messageKey`), so all events of one aggregate land on one partition in order.
 */
export interface EventEnvelope<P = unknown, T extends string = string> {
  /** UUIDv7: unique per event, time-ordered; consumers deduplicate on it. */
  eventId: string;
  /** The contract topic name, e.g. `cpq.catalog.published.v1`. */
  eventType: T;
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  tenantId: string;
  /** The id of the aggregate that changed (catalog version, order id, ...). */
  aggregateId: string;
  /** ISO 8601 UTC. */
  occurredAt: string;
  payload: P;
}

/** An event id: a UUIDv7. */
export const eventIdSchema = z.uuid({ version: 'v7' });

/**
 * The envelope schema around `payloadSchema`. With `eventType` the envelope accepts that type only;
 * without, any non-empty type (for generic tooling).
 */
export function eventEnvelopeSchema<P extends z.ZodType, const T extends string = string>(
  payloadSchema: P,
  eventType?: T,
) {
  const type: z.ZodType<T> =
    eventType === undefined ? (z.string().min(1) as unknown as z.ZodType<T>) : z.literal(eventType);
  return z.object({
    eventId: eventIdSchema,
    eventType: type,
    schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
    tenantId: tenantIdSchema,
    aggregateId: opaqueIdSchema,
    occurredAt: isoTimestampSchema,
    payload: payloadSchema,
  });
}

/** The Kafka message key of an event: `<tenantId>:<aggregateId>`. */
export function messageKey(envelope: Pick<EventEnvelope, 'tenantId' | 'aggregateId'>): string {
  return `${envelope.tenantId}:${envelope.aggregateId}`;
}
