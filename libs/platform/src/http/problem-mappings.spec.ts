import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ProblemError, ProblemType } from './problem';
import { DatabaseUnavailableError } from '../database/database.errors';
import { ProblemMappings } from './problem-mappings';

class OrderConflictError extends Error {
  readonly code = 'ORDER_TRANSITION_NOT_ALLOWED';
}

describe('ProblemMappings', () => {
  it('maps a domain error by code, keeping extension members and headers', () => {
    const mappings = new ProblemMappings().register('ORDER_TRANSITION_NOT_ALLOWED', (e) => ({
      type: ProblemType.conflict,
      title: 'Conflict',
      status: 409,
      detail: e.message,
      extensions: { from: 'CAPTURED' },
      headers: { 'Retry-After': '1' },
    }));
    const problem = mappings.toProblemError(new OrderConflictError('not allowed'));
    expect(problem.toProblem()).toEqual({
      type: ProblemType.conflict,
      title: 'Conflict',
      status: 409,
      detail: 'not allowed',
      from: 'CAPTURED',
    });
    expect(problem.headers).toEqual({ 'Retry-After': '1' });
  });

  it('maps by class, the latest registration winning', () => {
    const mappings = new ProblemMappings()
      .register(OrderConflictError, () => ProblemError.notFound('first'))
      .register(OrderConflictError, () => ProblemError.forbidden('second'));
    expect(mappings.toProblemError(new OrderConflictError('x')).status).toBe(403);
  });

  it('turns unknown errors into a 500 without their message', () => {
    const problem = new ProblemMappings().toProblemError(new Error('db password is hunter2'));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem.toProblem())).not.toContain('hunter2');
  });

  it('answers PostgreSQL being unavailable (typed, raw from the driver, or behind causes) 503 with Retry-After', () => {
    const mappings = new ProblemMappings();
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
    for (const error of [
      refused,
      new Error('Connection terminated unexpectedly'),
      new DatabaseUnavailableError('no-answer', 'x'),
      new Error('the order could not be stored', { cause: refused }),
    ]) {
      const problem = mappings.toProblemError(error);
      expect(problem.toProblem()).toEqual({
        type: ProblemType.databaseUnavailable,
        title: 'Database unavailable',
        status: 503,
        detail: expect.any(String),
      });
      expect(problem.headers).toEqual({ 'Retry-After': '1' });
      expect(JSON.stringify(problem.toProblem())).not.toContain('10.0.0.7');
    }
  });

  it('lets a registered mapping win over the database default', () => {
    class StoreDown extends Error {}
    const mappings = new ProblemMappings().register(StoreDown, () => ProblemError.notFound('mine'));
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(mappings.toProblemError(new StoreDown('x', { cause: refused })).status).toBe(404);
  });

  it('maps Nest and Fastify client errors to their status', () => {
    const mappings = new ProblemMappings();
    expect(mappings.toProblemError(new NotFoundException('Cannot GET /v1/tenants/t1/x')).toProblem()).toEqual(
      expect.objectContaining({ status: 404, detail: 'No route matches the request.' }),
    );
    expect(mappings.toProblemError(new PayloadTooLargeException()).type).toBe(ProblemType.payloadTooLarge);
    expect(
      mappings.toProblemError(
        Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }),
      ).status,
    ).toBe(415);
  });
});
