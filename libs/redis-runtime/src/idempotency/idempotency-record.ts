import type { IdempotencyRecord, IdempotentResponse } from './idempotency-response-cache';

/** Serializes a record flat, as the reference layout shows it (no payload envelope). */
export function encodeIdempotencyRecord(record: IdempotencyRecord): string {
  return JSON.stringify(record);
}

/**
 * Parses a stored record; `undefined` for corrupt JSON, another schemaVersion or a wrong shape, which callers
 * count as a decode error and treat as a miss.
 */
export function decodeIdempotencyRecord(raw: string, schemaVersion: number): IdempotencyRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (
    r.schemaVersion !== schemaVersion ||
    typeof r.requestHash !== 'string' ||
    typeof r.createdAt !== 'string'
  ) {
    return undefined;
  }
  if (r.status === 'IN_FLIGHT') return r as unknown as IdempotencyRecord;
  if (r.status !== 'COMPLETED' || !Number.isInteger(r.httpStatus) || !('responseBody' in r)) return undefined;
  if (r.resourceId !== undefined && typeof r.resourceId !== 'string') return undefined;
  return r as unknown as IdempotencyRecord;
}

/** The replayable part of a COMPLETED record. */
export function responseOf(record: IdempotencyRecord): IdempotentResponse {
  return {
    httpStatus: record.httpStatus!,
    responseBody: record.responseBody,
    ...(record.resourceId === undefined ? {} : { resourceId: record.resourceId }),
  };
}
