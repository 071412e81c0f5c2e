/** The Kafka topics of the contract. Each topic carries one event type, named like the topic. */
export const TOPICS = {
  catalogPublished: 'cpq.catalog.published.v1',
  pricebookPublished: 'cpq.pricebook.published.v1',
  configFinalized: 'cpq.config.finalized.v1',
  orderCaptured: 'oms.order.captured.v1',
  orderStatusChanged: 'oms.order.status-changed.v1',
} as const;

/** A contract topic name, which is also the `eventType` of the events it carries. */
export type EventType = (typeof TOPICS)[keyof typeof TOPICS];

/** Every contract topic, in declaration order. */
export const EVENT_TYPES: readonly EventType[] = Object.values(TOPICS);

/** `true` when `value` is one of the contract's topics / event types. */
export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
