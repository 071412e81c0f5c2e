import {
  databaseUnavailableProblem,
  notFoundProblem,
  ProblemType,
  registerProblemMapping,
  staleVersion,
  type ProblemInit,
} from '@cpq/platform';
import {
  CatalogUnavailableError,
  CatalogVersionUnknownError,
  ConfigurationNotFoundError,
  SessionFinalizedError,
  SessionFinalizingError,
  SessionInvalidError,
  SessionNotFoundError,
  SessionSnapshotPendingError,
  SessionStoreUnavailableError,
  SessionVersionMismatchError,
  SnapshotStoreUnavailableError,
} from '../domain/config.errors';

const unavailable = (
  title: string,
  detail: string,
  retryAfterSeconds: number,
  cause: unknown,
): ProblemInit => ({
  type: ProblemType.serviceUnavailable,
  title,
  status: 503,
  detail,
  headers: { 'Retry-After': String(retryAfterSeconds) },
  cause,
});

/** How config domain errors look at the HTTP edge (the one place that knows). */
export function registerConfigProblems(): void {
  registerProblemMapping(SessionNotFoundError, (e) => notFoundProblem('Session not found', e));
  registerProblemMapping(ConfigurationNotFoundError, (e) => notFoundProblem('Configuration not found', e));
  registerProblemMapping(SessionVersionMismatchError, (e) => staleVersion(e.message));
  registerProblemMapping(SessionFinalizedError, (e) => ({
    type: ProblemType.conflict,
    title: 'Session finalized',
    status: 409,
    detail: e.message,
    ...(e.configurationId === undefined ? {} : { extensions: { configurationId: e.configurationId } }),
  }));
  registerProblemMapping(SessionFinalizingError, (e) => ({
    type: ProblemType.conflict,
    title: 'Finalize in progress',
    status: 409,
    detail: e.message,
  }));
  registerProblemMapping(SessionInvalidError, (e) => ({
    type: ProblemType.conflict,
    title: 'Configuration not valid',
    status: 409,
    detail: e.message,
    extensions: { validationSummary: e.validationSummary },
  }));
  registerProblemMapping(CatalogVersionUnknownError, (e) => ({
    type: ProblemType.unprocessable,
    title: 'Catalog version unknown',
    status: 422,
    detail: e.message,
  }));
  registerProblemMapping(CatalogUnavailableError, (e) =>
    unavailable('Catalog unavailable', e.message, e.retryAfterSeconds, e),
  );
  registerProblemMapping(SessionStoreUnavailableError, (e) =>
    unavailable('Session store unavailable', e.message, 1, e),
  );
  registerProblemMapping(SessionSnapshotPendingError, (e) =>
    unavailable('Session not available yet', e.message, 1, e),
  );
  // the platform's database-unavailable problem, with what did not happen here
  registerProblemMapping(SnapshotStoreUnavailableError, (e) => ({
    ...databaseUnavailableProblem(e),
    detail: e.message,
  }));
}
