import { notFoundProblem, ProblemType, registerProblemMapping, type ProblemInit } from '@cpq/platform';
import {
  ConfigurationMismatchError,
  ConfigurationNotFinalizedError,
  InvalidOrderCursorError,
  OrderAmountOutOfRangeError,
  OrderNotFoundError,
  OrderVersionStaleError,
  TransitionNotAllowedError,
  type OrderError,
} from '../domain/order.errors';

/** Every order problem names its domain error's stable code (`code`), for clients that branch on it. */
const problem = (error: OrderError, init: Omit<ProblemInit, 'detail' | 'extensions'>): ProblemInit => ({
  ...init,
  detail: error.message,
  extensions: { code: error.code },
});

/** How order domain errors look at the HTTP edge (the one place that knows). */
export function registerOrderProblems(): void {
  registerProblemMapping(OrderNotFoundError, (error) => ({
    ...notFoundProblem('Order not found', error),
    extensions: { code: error.code },
  }));
  registerProblemMapping(ConfigurationNotFinalizedError, (error) =>
    problem(error, { type: ProblemType.unprocessable, title: 'Configuration not finalized', status: 422 }),
  );
  registerProblemMapping(ConfigurationMismatchError, (error) =>
    problem(error, {
      type: ProblemType.unprocessable,
      title: 'Lines do not match the configuration',
      status: 422,
    }),
  );
  registerProblemMapping(OrderAmountOutOfRangeError, (error) =>
    problem(error, { type: ProblemType.unprocessable, title: 'Amount out of range', status: 422 }),
  );
  registerProblemMapping(TransitionNotAllowedError, (error) =>
    problem(error, { type: ProblemType.conflict, title: 'Transition not allowed', status: 409 }),
  );
  registerProblemMapping(OrderVersionStaleError, (error) =>
    problem(error, { type: ProblemType.preconditionFailed, title: 'Precondition Failed', status: 412 }),
  );
  registerProblemMapping(InvalidOrderCursorError, (error) => ({
    ...problem(error, { type: ProblemType.validation, title: 'Validation failed', status: 400 }),
    errors: [{ in: 'query', pointer: '/cursor', message: error.message }],
  }));
}
