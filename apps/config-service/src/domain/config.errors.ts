import { DomainError } from '@cpq/platform';
import type { ValidationSummary } from './session';

/** Domain errors of config-service: stable codes (prefix CONFIG_), mapped to problem+json at the HTTP edge. */
export abstract class ConfigError extends DomainError {}

/** Unknown session, another user's session (existence is not revealed), or an expired draft (→ 404). */
export class SessionNotFoundError extends ConfigError {
  readonly code = 'CONFIG_SESSION_NOT_FOUND';
  constructor() {
    super('no such configuration session (unknown, expired, or not yours)');
  }
}

/** The session is no longer at the version the client named in If-Match (→ 412). */
export class SessionVersionMismatchError extends ConfigError {
  readonly code = 'CONFIG_SESSION_VERSION_MISMATCH';
  constructor(
    readonly expectedVersion: number,
    readonly storedVersion: number | undefined,
  ) {
    super(
      `the session changed since version ${expectedVersion}` +
        (storedVersion === undefined ? '' : ` (it is at version ${storedVersion})`) +
        ': read it again and retry',
    );
  }
}

/** The session is FINALIZED: it accepts no change and no second finalize (→ 409). */
export class SessionFinalizedError extends ConfigError {
  readonly code = 'CONFIG_SESSION_FINALIZED';
  constructor(readonly configurationId: string | undefined) {
    super('the session is finalized');
  }
}

/**
 * A finalize of the session has started (its draft is sealed) and not committed yet: a selection update is
 * refused (→ 409); finalize sent again completes it.
 */
export class SessionFinalizingError extends ConfigError {
  readonly code = 'CONFIG_SESSION_FINALIZING';
  constructor() {
    super('a finalize of this session is in progress or was interrupted: send finalize again to complete it');
  }
}

/** Finalize of a selection that breaks a rule, or of an empty one (→ 409 with the validation summary). */
export class SessionInvalidError extends ConfigError {
  readonly code = 'CONFIG_SESSION_INVALID';
  constructor(readonly validationSummary: ValidationSummary) {
    super(
      validationSummary.errors.length === 0
        ? 'the session has no selected option to finalize'
        : `the selection breaks ${validationSummary.errors.length} rule(s)`,
    );
  }
}

/** The session's catalog cannot be read now (catalog-service down or slow); finalize waits for it (→ 503). */
export class CatalogUnavailableError extends ConfigError {
  readonly code = 'CONFIG_CATALOG_UNAVAILABLE';
  constructor(readonly retryAfterSeconds: number) {
    super('the catalog cannot be read right now; retry later');
  }
}

/** A session was asked for on a catalog version that does not exist, or none is published (→ 422). */
export class CatalogVersionUnknownError extends ConfigError {
  readonly code = 'CONFIG_CATALOG_VERSION_UNKNOWN';
  constructor(readonly catalogVersion: number | undefined) {
    super(
      catalogVersion === undefined
        ? 'no catalog is published for this tenant'
        : `catalog version ${catalogVersion} does not exist`,
    );
  }
}

/**
 * The session store (Redis) cannot take a write now: a change is refused rather than written around it, since a
 * hung store may still hold a newer version (→ 503). A write that timed out may still run when a hung store wakes
 * up, so the client reads the session again before retrying.
 */
export class SessionStoreUnavailableError extends ConfigError {
  readonly code = 'CONFIG_SESSION_STORE_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super(
      'the session store is unavailable or did not answer in time; the change may not have been made: ' +
        'read the session again, then retry',
      options,
    );
  }
}

/**
 * A session younger than the snapshot lag is in no store: the session Redis lost it and the instance that created
 * it may not have written its snapshot yet. Saying 404 would claim it never existed; the answer is "not now" (→ 503).
 */
export class SessionSnapshotPendingError extends ConfigError {
  readonly code = 'CONFIG_SESSION_SNAPSHOT_PENDING';
  constructor() {
    super(
      'the session is newer than its durable copy and the session store lost it; its snapshot may still be on ' +
        'its way: retry shortly',
    );
  }
}

/** PostgreSQL failed (a snapshot, a finalize, a configuration read) (→ 503). */
export class SnapshotStoreUnavailableError extends ConfigError {
  readonly code = 'CONFIG_SNAPSHOT_STORE_UNAVAILABLE';
  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
  }
}

export class ConfigurationNotFoundError extends ConfigError {
  readonly code = 'CONFIG_CONFIGURATION_NOT_FOUND';
  constructor() {
    super('no such configuration');
  }
}
