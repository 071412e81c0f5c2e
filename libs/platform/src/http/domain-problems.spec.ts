import { describe, expect, it } from 'vitest';
import { DomainError, type DomainViolation } from '../service/domain-error';
import { notFoundProblem, violationsProblem } from './domain-problems';
import { ProblemError } from './problem';

class InvalidThingError extends DomainError {
  readonly code = 'TEST_INVALID_THING';
  constructor(readonly violations: readonly DomainViolation[]) {
    super(`the thing has ${violations.length} violation(s)`);
  }
}

class ThingNotFoundError extends DomainError {
  readonly code = 'TEST_THING_NOT_FOUND';
}

describe('domain problems', () => {
  it('answers a domain error with violations as 400 listing each one as a body pointer', () => {
    const error = new InvalidThingError([
      { pointer: '/items/0/id', message: 'duplicate id a' },
      { pointer: '/items/2/min', message: 'min above max' },
    ]);
    expect(new ProblemError(violationsProblem('Invalid thing', error)).toProblem()).toEqual({
      type: 'https://cpq.dev/problems/validation-error',
      title: 'Invalid thing',
      status: 400,
      detail: 'the thing has 2 violation(s)',
      errors: [
        { in: 'body', pointer: '/items/0/id', message: 'duplicate id a' },
        { in: 'body', pointer: '/items/2/min', message: 'min above max' },
      ],
    });
  });

  it('answers a missing thing as 404 with the error message as detail', () => {
    expect(notFoundProblem('Thing not found', new ThingNotFoundError('thing t1 does not exist'))).toEqual({
      type: 'https://cpq.dev/problems/not-found',
      title: 'Thing not found',
      status: 404,
      detail: 'thing t1 does not exist',
    });
  });
});
