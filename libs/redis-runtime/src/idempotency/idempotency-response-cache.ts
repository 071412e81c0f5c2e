import type { RedisRuntimeError } from '../errors';

/** A stored response, replayed for a repeated request. */
export interface IdempotentResponse {
  readonly httpStatus: number;
  readonly responseBody: unknown;
  readonly resourceId?: string;
}

/** The cached value: `{schemaVersion, requestHash, status, httpStatus?, responseBody?, resourceId?, createdAt}`. */
export interface IdempotencyRecord {
  readonly schemaVersion: number;
  /** The caller's digest of the request (method, path, body), e.g. `sha256:<hex>`. */
  readonly requestHash: string;
  readonly status: 'IN_FLIGHT' | 'COMPLETED';
  readonly httpStatus?: number;
  readonly responseBody?: unknown;
  readonly resourceId?: string;
  /** ISO 8601 time the record was written. */
  readonly createdAt: string;
}

/** Redis failed: answer from the durable PostgreSQL record instead. */
export interface IdempotencyCacheUnavailable {
  readonly outcome: 'unavailable';
  readonly error: RedisRuntimeError;
}

export type BeginOutcome =
  | { readonly outcome: 'started' }
  /** Another attempt holds the key; `sameRequest: false` means a different body reused the key (422). */
  | { readonly outcome: 'in-flight'; readonly sameRequest: boolean }
  | { readonly outcome: 'completed'; readonly sameRequest: boolean; readonly response: IdempotentResponse }
  | IdempotencyCacheUnavailable;

export type LookupOutcome =
  | { readonly outcome: 'miss' }
  | { readonly outcome: 'found'; readonly record: IdempotencyRecord }
  | IdempotencyCacheUnavailable;

/**
 * `stored`: written over this request's IN_FLIGHT marker. `already-completed`: the first response stays.
 * `other-request`: the key holds another request's record. `not-found`: no marker (expired, abandoned, unreadable).
 */
export type CompleteOutcome = 'stored' | 'already-completed' | 'other-request' | 'not-found' | 'unavailable';

/** `abandoned`: this request's IN_FLIGHT marker was deleted; otherwise nothing changed. */
export type AbandonOutcome =
  'abandoned' | 'already-completed' | 'other-request' | 'not-found' | 'unavailable';

/**
 * The fast layer of HTTP idempotency (`Idempotency-Key`). It only saves PostgreSQL reads on hot retries: the
 * durable idempotency record decides. Any miss, unreadable value or `unavailable` means "ask PostgreSQL";
 * an eviction here must never allow a duplicate. Idempotency keys are hashed before they reach a Redis key.
 */
export interface IdempotencyResponseCache {
  /** Atomically claims the key with an IN_FLIGHT marker, or reports what holds it. Use a TTL as short as the work. */
  begin(
    tenant: string,
    idempotencyKey: string,
    requestHash: string,
    ttlSeconds: number,
  ): Promise<BeginOutcome>;
  /** Stores the response, only over this request's IN_FLIGHT marker. Use the durable record's TTL (24 h). */
  complete(
    tenant: string,
    idempotencyKey: string,
    requestHash: string,
    response: IdempotentResponse,
    ttlSeconds: number,
  ): Promise<CompleteOutcome>;
  /** Deletes this request's IN_FLIGHT marker after a failed attempt, so a retry can start at once. */
  abandon(tenant: string, idempotencyKey: string, requestHash: string): Promise<AbandonOutcome>;
  get(tenant: string, idempotencyKey: string): Promise<LookupOutcome>;
}
