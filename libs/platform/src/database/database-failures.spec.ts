import { describe, expect, it } from 'vitest';
import { classifyDatabaseFailure, databaseUnavailableErrorOf } from './database-failures';
import { DatabaseUnavailableError } from './database.errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyDatabaseFailure', () => {
  it.each([
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'unreachable', true],
    [withCode('ENOTFOUND'), 'unreachable', true],
    [withCode('ECONNRESET'), 'connection-lost', true],
    [withCode('57P01', 'terminating connection due to administrator command'), 'connection-lost', true],
    [withCode('08006'), 'connection-lost', true],
    [withCode('57P03', 'the database system is starting up'), 'server-unavailable', true],
    [withCode('53300', 'sorry, too many clients already'), 'server-unavailable', true],
    [withCode('53100', 'could not extend file: No space left on device'), 'server-unavailable', false],
    [withCode('25006', 'cannot execute INSERT in a read-only transaction'), 'server-unavailable', false],
    [withCode('57014', 'canceling statement due to statement timeout'), 'statement-timeout', false],
    [new Error('timeout exceeded when trying to connect'), 'connect-timeout', true],
    [new Error('Connection terminated due to connection timeout'), 'connect-timeout', true],
    [new Error('Connection terminated unexpectedly'), 'connection-lost', true],
    [new Error('Client has encountered a connection error and is not queryable'), 'connection-lost', true],
    [new Error('Query read timeout'), 'no-answer', true],
  ])('%s: %s', (error, reason, connectionBroken) => {
    expect(classifyDatabaseFailure(error)).toMatchObject({ reason, connectionBroken });
  });

  it('reads the attempts of an AggregateError (every address of a host name refused)', () => {
    const refused = new AggregateError(
      [withCode('ECONNREFUSED'), withCode('ECONNREFUSED')],
      'connect failed',
    );
    expect(classifyDatabaseFailure(refused)).toMatchObject({ reason: 'unreachable' });
  });

  it.each([
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('40001', 'could not serialize access'),
    withCode('42P01', 'relation does not exist'),
    withCode('28P01', 'password authentication failed'),
    new Error('Connection refused by the policy'),
    'a string',
    undefined,
  ])('leaves %s alone', (error) => {
    expect(classifyDatabaseFailure(error)).toBeUndefined();
  });
});

describe('databaseUnavailableErrorOf', () => {
  it('finds the failure behind wrapping errors and types it, keeping the driver error as cause', () => {
    const driver = withCode('ECONNREFUSED');
    const wrapped = new Error('the order could not be stored', {
      cause: new Error('repository', { cause: driver }),
    });
    const typed = databaseUnavailableErrorOf(wrapped);
    expect(typed).toBeInstanceOf(DatabaseUnavailableError);
    expect(typed).toMatchObject({
      code: 'PLATFORM_DATABASE_UNAVAILABLE',
      reason: 'unreachable',
      cause: driver,
    });
  });

  it('returns a typed error as it is', () => {
    const typed = new DatabaseUnavailableError('no-answer', 'x');
    expect(databaseUnavailableErrorOf(new Error('outer', { cause: typed }))).toBe(typed);
  });

  it('is undefined for other errors', () => {
    expect(databaseUnavailableErrorOf(new Error('bug', { cause: withCode('23505') }))).toBeUndefined();
  });
});
