import type { IHeaders } from 'kafkajs';

/**
 * The Kafka headers of every event message. `requestId` is the `X-Request-Id` of the HTTP request that caused
 * the event, so one id can be followed from the request through the outbox to every consumer's inbox.
 */
export interface EventHeaders {
  eventId?: string;
  eventType?: string;
  requestId?: string;
}

/** Headers for a message; `requestId` is left out when there is none. */
export function eventHeaders(row: {
  eventId: string;
  eventType: string;
  requestId: string | null | undefined;
}): IHeaders {
  const headers: IHeaders = { eventId: row.eventId, eventType: row.eventType };
  if (row.requestId) headers.requestId = row.requestId;
  return headers;
}

/** Reads the event headers of a consumed message (kafkajs gives Buffers). */
export function readEventHeaders(headers: IHeaders | undefined): EventHeaders {
  const read = (name: keyof EventHeaders): string | undefined => {
    const value = headers?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  };
  return { eventId: read('eventId'), eventType: read('eventType'), requestId: read('requestId') };
}
