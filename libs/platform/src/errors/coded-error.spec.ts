import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from '../auth/jwt-verifier';
import { ConfigError } from '../config/config-loader';
import { DatabaseUnavailableError, InvalidSchemaNameError, TransactionConflictError } from '../database';
import { InvalidJobError, JobFencedOutError } from '../jobs/jobs.errors';
import { DomainError } from '../service/domain-error';
import { CodedError } from './coded-error';

class ExampleDomainError extends DomainError {
  readonly code = 'EXAMPLE_BROKEN';
}

describe('CodedError is the one base of the errors the platform and the services define', () => {
  const cause = new Error('driver said no');
  const errors: Array<[CodedError, string]> = [
    [new ExampleDomainError('broken', { cause }), 'EXAMPLE_BROKEN'],
    [new InvalidSchemaNameError('bad schema', {}, { cause }), 'PLATFORM_DATABASE_INVALID_SCHEMA_NAME'],
    [new DatabaseUnavailableError('unreachable', 'down', {}, { cause }), 'PLATFORM_DATABASE_UNAVAILABLE'],
    [new TransactionConflictError('40P01', 3, { cause }), 'PLATFORM_DATABASE_TRANSACTION_CONFLICT'],
    [new JobFencedOutError('fenced', {}, { cause }), 'PLATFORM_JOBS_FENCED_OUT'],
    [new InvalidJobError('bad job', {}, { cause }), 'PLATFORM_JOBS_INVALID_JOB'],
    [new InvalidTokenError('expired', { cause }), 'PLATFORM_INVALID_TOKEN'],
  ];

  it.each(errors)('%s: coded, named after its class, cause and context kept', (error, code) => {
    expect(error).toBeInstanceOf(CodedError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(error.cause).toBe(cause);
    expect(typeof error.context).toBe('object');
  });

  it('a configuration error too (no cause: it names the variables)', () => {
    const error = new ConfigError('PORT: expected a number', ['PORT: expected a number']);
    expect(error).toBeInstanceOf(CodedError);
    expect([error.code, error.name]).toEqual(['PLATFORM_CONFIG_INVALID', 'ConfigError']);
  });
});
