import { CodedError } from '../errors/coded-error';

/**
 * The base of a service's domain errors (a `CodedError`): a stable `code` (UPPER_SNAKE, prefixed per service: `CATALOG_...`), the
 * subclass's name as `name` (what logs print), `cause` kept. Domain and application code throw them; the service's
 * `http/<service>-problems.ts` maps each to problem+json with `registerProblemMapping`.
 */
export abstract class DomainError extends CodedError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, {}, options);
  }
}

/** One rule a request breaks: a JSON pointer into its body (`/offers/3/rules/requires/0`) and why. */
export interface DomainViolation {
  readonly pointer: string;
  readonly message: string;
}
