import { ProblemError, ProblemType } from '../http/problem';

/** 409: another attempt with this key is still running (after waiting for it as long as allowed). */
export function requestInProgress(retryAfterSeconds: number): ProblemError {
  return new ProblemError({
    type: ProblemType.conflict,
    title: 'Request in progress',
    status: 409,
    detail: 'A request with this Idempotency-Key is still being processed: retry after the indicated delay.',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** 422: the key was used before for a different request. */
export function idempotencyKeyReused(): ProblemError {
  return new ProblemError({
    type: ProblemType.unprocessable,
    title: 'Idempotency-Key reused',
    status: 422,
    detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    extensions: { code: 'IDEMPOTENCY_KEY_REUSED' },
  });
}
