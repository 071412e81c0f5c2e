import { describe, expect, it } from 'vitest';
import {
  CatalogUnavailableError,
  CatalogVersionUnknownError,
  ConfigurationNotFoundError,
  SessionFinalizedError,
  SessionFinalizingError,
  SessionInvalidError,
  SessionNotFoundError,
  SessionStoreUnavailableError,
  SessionVersionMismatchError,
  SnapshotStoreUnavailableError,
} from './config.errors';

describe('config-service errors', () => {
  it('pins the stable codes', () => {
    expect(
      [
        new SessionNotFoundError(),
        new SessionVersionMismatchError(1, 2),
        new SessionFinalizedError('c'),
        new SessionFinalizingError(),
        new SessionInvalidError({ valid: false, errors: [], warnings: [] }),
        new CatalogUnavailableError(5),
        new CatalogVersionUnknownError(3),
        new SessionStoreUnavailableError(),
        new SnapshotStoreUnavailableError('x'),
        new ConfigurationNotFoundError(),
      ].map((e) => [e.name, e.code]),
    ).toEqual([
      ['SessionNotFoundError', 'CONFIG_SESSION_NOT_FOUND'],
      ['SessionVersionMismatchError', 'CONFIG_SESSION_VERSION_MISMATCH'],
      ['SessionFinalizedError', 'CONFIG_SESSION_FINALIZED'],
      ['SessionFinalizingError', 'CONFIG_SESSION_FINALIZING'],
      ['SessionInvalidError', 'CONFIG_SESSION_INVALID'],
      ['CatalogUnavailableError', 'CONFIG_CATALOG_UNAVAILABLE'],
      ['CatalogVersionUnknownError', 'CONFIG_CATALOG_VERSION_UNKNOWN'],
      ['SessionStoreUnavailableError', 'CONFIG_SESSION_STORE_UNAVAILABLE'],
      ['SnapshotStoreUnavailableError', 'CONFIG_SNAPSHOT_STORE_UNAVAILABLE'],
      ['ConfigurationNotFoundError', 'CONFIG_CONFIGURATION_NOT_FOUND'],
    ]);
  });

  it('keeps the cause', () => {
    const cause = new Error('redis down');
    expect(new SessionStoreUnavailableError({ cause }).cause).toBe(cause);
  });
});
