// Public API of @cpq/contracts.

// identifiers
export {
  amountMinorSchema,
  attributesSchema,
  currencySchema,
  isoTimestampSchema,
  offerIdSchema,
  opaqueIdSchema,
  tenantIdSchema,
  versionNumberSchema,
  type OfferId,
  type TenantId,
} from './identifiers';

// events: topics, envelope, payloads
export { TOPICS, EVENT_TYPES, isEventType, type EventType } from './events/topics';
export {
  EVENT_SCHEMA_VERSION,
  eventEnvelopeSchema,
  eventIdSchema,
  messageKey,
  type EventEnvelope,
} from './events/event-envelope';
export * from './events/event-payloads';
export {
  EVENT_SCHEMAS,
  newEnvelope,
  parseEvent,
  type ContractEvent,
  type EventOf,
  type EventPayloadOf,
  type NewEnvelopeInput,
} from './events/event-schemas';

// HTTP: the contract's route tables as data
export { CONTRACT_ROUTES, type ContractRoute } from './http-routes';
