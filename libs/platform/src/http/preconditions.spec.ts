import { describe, expect, it } from 'vitest';
import { ProblemError } from './problem';
import { etagOf, ifMatchVersion, staleVersion } from './preconditions';

const problemOf = (header: string | string[] | undefined): ProblemError => {
  try {
    ifMatchVersion(header);
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error(`expected a problem for ${JSON.stringify(header)}`);
};

describe('If-Match versions', () => {
  it('reads the version of one strong tag, and writes the same form', () => {
    expect(ifMatchVersion('"1"')).toBe(1);
    expect(ifMatchVersion(' "42" ')).toBe(42);
    expect(ifMatchVersion(['"7"'])).toBe(7);
    expect(etagOf(42)).toBe('"42"');
    expect(ifMatchVersion(etagOf(123456))).toBe(123456);
  });

  it('answers 428 when the header is missing, empty or *', () => {
    for (const header of [undefined, '', '   ', '*', []]) {
      const problem = problemOf(header);
      expect(problem.status).toBe(428);
      expect(problem.type).toBe('https://cpq.dev/problems/precondition-required');
    }
  });

  it('answers 412 for a weak tag (never equal under strong comparison)', () => {
    expect(problemOf('W/"3"').status).toBe(412);
    expect(staleVersion().type).toBe('https://cpq.dev/problems/precondition-failed');
  });

  it('answers 400 with a pointer to the header for anything else', () => {
    for (const header of [
      '3',
      '"0"',
      '"-1"',
      '"01"',
      '"1.5"',
      '"abc"',
      '"1", "2"',
      ['"1"', '"2"'],
      '"99999999999999999"',
    ]) {
      const problem = problemOf(header);
      expect(problem.status, String(header)).toBe(400);
      expect(problem.errors).toEqual([expect.objectContaining({ in: 'headers', pointer: '/if-match' })]);
    }
  });
});
