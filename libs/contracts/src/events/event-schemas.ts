import type { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_SCHEMA_VERSION, eventEnvelopeSchema, type EventEnvelope } from './event-envelope';
import {
  catalogPublishedPayloadSchema,
  configFinalizedPayloadSchema,
  orderCapturedPayloadSchema,
  orderStatusChangedPayloadSchema,
  pricebookPublishedPayloadSchema,
} from './event-payloads';
import { TOPICS, type EventType } from './topics';

/** The envelope schema of each contract topic (payload included). */
export const EVENT_SCHEMAS = {
  [TOPICS.catalogPublished]: eventEnvelopeSchema(catalogPublishedPayloadSchema, TOPICS.catalogPublished),
  [TOPICS.pricebookPublished]: eventEnvelopeSchema(
    pricebookPublishedPayloadSchema,
    TOPICS.pricebookPublished,
  ),
  [TOPICS.configFinalized]: eventEnvelopeSchema(configFinalizedPayloadSchema, TOPICS.configFinalized),
  [TOPICS.orderCaptured]: eventEnvelopeSchema(orderCapturedPayloadSchema, TOPICS.orderCaptured),
  [TOPICS.orderStatusChanged]: eventEnvelopeSchema(
    orderStatusChangedPayloadSchema,
    TOPICS.orderStatusChanged,
  ),
} as const satisfies Record<EventType, z.ZodType>;

/** The payload type of each event type. */
export type EventPayloadOf<T extends EventType> = z.infer<(typeof EVENT_SCHEMAS)[T]>['payload'];

/** The envelope type of one event type. */
export type EventOf<T extends EventType> = EventEnvelope<EventPayloadOf<T>, T>;

/** Any contract event; `switch (event.eventType)` narrows the payload. */
export type ContractEvent = { [T in EventType]: EventOf<T> }[EventType];

/**
 * What `newEnvelope` needs: the event type (as `eventType`, or as `topic`: every contract topic is named like its
 * event type), the tenant, the aggregate and the payload; `eventId` and `occurredAt` are generated unless given.
 */
export type NewEnvelopeInput<T extends EventType> = (
  { eventType: T; topic?: never } | { topic: T; eventType?: never }
) & {
  tenantId: string;
  aggregateId: string;
  payload: EventPayloadOf<T>;
  /** @default a new UUIDv7 */
  eventId?: string;
  /** @default now */
  occurredAt?: Date | string;
};

/**
 * A validated envelope for a contract event: eventId (UUIDv7), schemaVersion 1, occurredAt now.
 * Throws a `ZodError` when the tenant, aggregate id or payload break the contract, so an invalid event
 * never reaches the outbox.
 */
export function newEnvelope<T extends EventType>(input: NewEnvelopeInput<T>): EventOf<T> {
  const eventType = (input.eventType ?? input.topic) as T;
  const occurredAt = input.occurredAt ?? new Date();
  const candidate = {
    eventId: input.eventId ?? uuidv7(),
    eventType,
    schemaVersion: EVENT_SCHEMA_VERSION,
    tenantId: input.tenantId,
    aggregateId: input.aggregateId,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(),
    payload: input.payload,
  };
  return EVENT_SCHEMAS[eventType].parse(candidate) as EventOf<T>;
}

/** Validates an untrusted value (e.g. a parsed Kafka message) as an event of `eventType`. */
export function parseEvent<T extends EventType>(
  eventType: T,
  value: unknown,
): { success: true; data: EventOf<T> } | { success: false; error: z.ZodError } {
  const result = EVENT_SCHEMAS[eventType].safeParse(value);
  return result.success
    ? { success: true, data: result.data as EventOf<T> }
    : { success: false, error: result.error };
}
