/** RFC 9457 problem details, as the contract's error responses carry them. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEM_TYPE_BASE = 'https://cpq.dev/problems/';

/** The problem types the platform itself answers with; apps add their own under the same base. */
export const ProblemType = {
  validation: `${PROBLEM_TYPE_BASE}validation-error`,
  malformedRequest: `${PROBLEM_TYPE_BASE}malformed-request`,
  unauthorized: `${PROBLEM_TYPE_BASE}unauthorized`,
  forbidden: `${PROBLEM_TYPE_BASE}forbidden`,
  notFound: `${PROBLEM_TYPE_BASE}not-found`,
  methodNotAllowed: `${PROBLEM_TYPE_BASE}method-not-allowed`,
  conflict: `${PROBLEM_TYPE_BASE}conflict`,
  preconditionFailed: `${PROBLEM_TYPE_BASE}precondition-failed`,
  preconditionRequired: `${PROBLEM_TYPE_BASE}precondition-required`,
  payloadTooLarge: `${PROBLEM_TYPE_BASE}payload-too-large`,
  unsupportedMediaType: `${PROBLEM_TYPE_BASE}unsupported-media-type`,
  unprocessable: `${PROBLEM_TYPE_BASE}unprocessable-content`,
  quotaExceeded: `${PROBLEM_TYPE_BASE}quota-exceeded`,
  internal: `${PROBLEM_TYPE_BASE}internal-error`,
  serviceUnavailable: `${PROBLEM_TYPE_BASE}service-unavailable`,
  /** 503: PostgreSQL down, hung, out of connections or timing out; `Retry-After` says when to try again. */
  databaseUnavailable: `${PROBLEM_TYPE_BASE}database-unavailable`,
  /** 503: a write lost to concurrent ones (deadlock, serialization failure) on every attempt; nothing committed. */
  transactionConflict: `${PROBLEM_TYPE_BASE}transaction-conflict`,
} as const;

/** One field-level failure: a JSON pointer into the request part (`/offers/0/offerId`) and why. */
export interface ProblemFieldError {
  /** `body`, `params`, `query` or `headers`. */
  in: string;
  pointer: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
  /** Extension members, e.g. `violated-policies`. */
  [member: string]: unknown;
}

export interface ProblemInit {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemFieldError[];
  /** Extension members serialized next to the standard ones. */
  extensions?: Record<string, unknown>;
  /** Response headers sent with the problem, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** Thrown at the HTTP edge (or returned by a problem mapping) to answer with a given problem. */
export class ProblemError extends Error {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: ProblemFieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProblemError';
    this.type = init.type;
    this.title = init.title;
    this.status = init.status;
    this.detail = init.detail;
    this.errors = init.errors;
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }

  toProblem(): Problem {
    return {
      ...this.extensions,
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }

  static validation(detail: string, errors: ProblemFieldError[]): ProblemError {
    return new ProblemError({
      type: ProblemType.validation,
      title: 'Validation failed',
      status: 400,
      detail,
      errors,
    });
  }

  static unauthorized(detail: string): ProblemError {
    return new ProblemError({
      type: ProblemType.unauthorized,
      title: 'Unauthorized',
      status: 401,
      detail,
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }

  static forbidden(detail: string): ProblemError {
    return new ProblemError({ type: ProblemType.forbidden, title: 'Forbidden', status: 403, detail });
  }

  static notFound(detail: string): ProblemError {
    return new ProblemError({ type: ProblemType.notFound, title: 'Not Found', status: 404, detail });
  }

  static internal(): ProblemError {
    return new ProblemError({
      type: ProblemType.internal,
      title: 'Internal Server Error',
      status: 500,
      detail: 'The server failed to handle the request; the request id identifies it in the logs.',
    });
  }
}
