import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { databaseUnavailableErrorOf } from '../database/database-failures';
import { transactionConflictStateOf } from '../database/retryable-transaction';
import { BODY_LIMIT_BYTES, bodyTooLargeDetail } from './body-limits';
import { ProblemError, ProblemType, type ProblemInit } from './problem';

type ErrorClass = abstract new (...args: never[]) => Error;
export type ProblemMapper<E = Error> = (error: E) => ProblemError | ProblemInit;

/** What the request adds to a problem: the body limit of its route, which a 413 names. */
export interface ProblemRequestContext {
  /** @default BODY_LIMIT_BYTES */
  bodyLimitBytes?: number;
}

interface Mapping {
  matches(error: unknown): boolean;
  map: ProblemMapper<never>;
}

/**
 * Domain errors → problems. Domain code throws errors with a stable `code`; each app registers how its
 * codes (or error classes) answer, and the one exception filter applies them.
 */
export class ProblemMappings {
  private readonly mappings: Mapping[] = [];

  register<E extends Error>(
    codeOrClass: string | (abstract new (...args: never[]) => E),
    map: ProblemMapper<E>,
  ): this {
    const matches =
      typeof codeOrClass === 'string'
        ? (error: unknown) => isObject(error) && error['code'] === codeOrClass
        : (error: unknown) => error instanceof (codeOrClass as ErrorClass);
    // Later registrations win, so an app can override a library default.
    this.mappings.unshift({ matches, map: map as ProblemMapper<never> });
    return this;
  }

  /**
   * The problem for any thrown value: a registered mapping first; then PostgreSQL being unavailable (the error or
   * any of its causes, typed or straight from the driver) is a 503 with `Retry-After`, and so is a transaction that
   * lost to concurrent ones (deadlock, serialization failure: `transaction-conflict`); unknown errors become a 500
   * without their message.
   */
  toProblemError(error: unknown, context: ProblemRequestContext = {}): ProblemError {
    if (error instanceof ProblemError) return error;
    const mapping = this.mappings.find((m) => m.matches(error));
    if (mapping) {
      const mapped = mapping.map(error as never);
      return mapped instanceof ProblemError ? mapped : new ProblemError(mapped);
    }
    const unavailable = databaseUnavailableErrorOf(error);
    if (unavailable) return new ProblemError(databaseUnavailableProblem(unavailable));
    if (transactionConflictStateOf(error) !== undefined)
      return new ProblemError(transactionConflictProblem(error));
    const limit = context.bodyLimitBytes ?? BODY_LIMIT_BYTES;
    return fromFastifyError(error, limit) ?? fromHttpException(error, limit) ?? ProblemError.internal();
  }
}

/** Seconds a client waits before sending a request again that PostgreSQL could not serve. */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 every service answers when PostgreSQL cannot be used: one stable type, `Retry-After`, no internals in the
 * detail (the cause is logged). A service whose own error means the same (a store it wraps) maps it here too.
 */
export function databaseUnavailableProblem(cause: unknown): ProblemInit {
  return {
    type: ProblemType.databaseUnavailable,
    title: 'Database unavailable',
    status: 503,
    detail:
      'The database cannot be reached right now; nothing was changed unless a repeat says so. Send it again.',
    headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    cause,
  };
}

/** Seconds a client waits before sending again a write that lost to concurrent ones on every attempt. */
export const TRANSACTION_CONFLICT_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 for a write that PostgreSQL aborted as a deadlock victim or for a serialization failure on every attempt
 * `retryableTransaction` made: nothing was committed, and the same request may well succeed a moment later.
 */
export function transactionConflictProblem(cause: unknown): ProblemInit {
  return {
    type: ProblemType.transactionConflict,
    title: 'Transaction conflict',
    status: 503,
    detail: 'The request collided with concurrent changes and nothing was changed. Send it again.',
    headers: { 'Retry-After': String(TRANSACTION_CONFLICT_RETRY_AFTER_SECONDS) },
    cause,
  };
}

/** The process-wide mappings the platform's exception filter uses. */
export const problemMappings = new ProblemMappings();

export function registerProblemMapping<E extends Error>(
  codeOrClass: string | (abstract new (...args: never[]) => E),
  map: ProblemMapper<E>,
): void {
  problemMappings.register(codeOrClass, map);
}

const FASTIFY_PROBLEMS: Record<string, Omit<ProblemInit, 'status'> & { status: number }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    type: ProblemType.malformedRequest,
    title: 'Malformed request body',
    status: 400,
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    type: ProblemType.malformedRequest,
    title: 'Malformed request body',
    status: 400,
    detail: 'The request declares a JSON body but sends none.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    type: ProblemType.unsupportedMediaType,
    title: 'Unsupported Media Type',
    status: 415,
    detail: 'Request bodies must be application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    type: ProblemType.malformedRequest,
    title: 'Malformed request',
    status: 400,
    detail: 'The Content-Length header does not match the body.',
  },
};

function fromFastifyError(error: unknown, bodyLimitBytes: number): ProblemError | undefined {
  if (!isObject(error) || typeof error['code'] !== 'string') return undefined;
  if (error['code'] === 'FST_ERR_CTP_BODY_TOO_LARGE') return payloadTooLarge(bodyLimitBytes);
  const known = FASTIFY_PROBLEMS[error['code']];
  if (known) return new ProblemError(known);
  const status = error['statusCode'];
  // Other client errors raised by Fastify itself (malformed URL, bad headers): the status stands, the
  // message is Fastify's own and safe to show.
  if (error['code'].startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500) {
    return new ProblemError({
      type: ProblemType.malformedRequest,
      title: STATUS_CODES[status] ?? 'Bad Request',
      status,
      detail: typeof error['message'] === 'string' ? error['message'] : undefined,
    });
  }
  return undefined;
}

const TYPE_BY_STATUS: Record<number, string> = {
  404: ProblemType.notFound,
  405: ProblemType.methodNotAllowed,
  413: ProblemType.payloadTooLarge,
  415: ProblemType.unsupportedMediaType,
};

/** Nest's own exceptions: unknown routes (404) and body parser failures, which Nest wraps. */
function fromHttpException(error: unknown, bodyLimitBytes: number): ProblemError | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const fromCause = fromFastifyError(error.cause, bodyLimitBytes);
  if (fromCause) return fromCause;
  const status = error.getStatus();
  if (status >= 500) return undefined;
  if (status === 404) return ProblemError.notFound('No route matches the request.');
  if (status === 413) return payloadTooLarge(bodyLimitBytes);
  return new ProblemError({
    type: TYPE_BY_STATUS[status] ?? ProblemType.malformedRequest,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: error.message,
  });
}

/** 413, naming the limit of the route the request was sent to. */
function payloadTooLarge(bodyLimitBytes: number): ProblemError {
  return new ProblemError({
    type: ProblemType.payloadTooLarge,
    title: 'Payload Too Large',
    status: 413,
    detail: bodyTooLargeDetail(bodyLimitBytes),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
