import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemError } from './problem';
import { ZodValidationPipe } from './zod-validation';

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(
    z.object({ offers: z.array(z.strictObject({ offerId: z.string(), 'a/b': z.number().optional() })) }),
    'body',
  );

  it('returns the parsed value', () => {
    expect(pipe.transform({ offers: [{ offerId: 'o1' }] })).toEqual({ offers: [{ offerId: 'o1' }] });
  });

  it('rejects unknown top-level fields even on a non-strict z.object', () => {
    expect(() => pipe.transform({ offers: [], extra: 1 })).toThrow(ProblemError);
  });

  it('lists every failure as a JSON pointer', () => {
    try {
      pipe.transform({ offers: [{ offerId: 1, 'a/b': 'x', surplus: true }] });
      throw new Error('expected a validation problem');
    } catch (error) {
      const problem = (error as ProblemError).toProblem();
      expect(problem.status).toBe(400);
      expect(problem.errors?.map((e) => e.pointer).sort()).toEqual([
        '/offers/0/a~1b',
        '/offers/0/offerId',
        '/offers/0/surplus',
      ]);
    }
  });
});
