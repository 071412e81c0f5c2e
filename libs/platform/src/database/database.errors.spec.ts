import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, InvalidSchemaNameError } from './database.errors';
import { assertSchemaName } from './schema-name';

describe('database errors', () => {
  it('pins the stable codes', () => {
    expect(new InvalidSchemaNameError('x').code).toBe('PLATFORM_DATABASE_INVALID_SCHEMA_NAME');
    expect(new DatabaseUnavailableError('no-answer', 'x').code).toBe('PLATFORM_DATABASE_UNAVAILABLE');
    expect(new DatabaseUnavailableError('unreachable', 'x').context).toEqual({ reason: 'unreachable' });
  });

  it('assertSchemaName accepts plain identifiers and rejects everything else', () => {
    expect(assertSchemaName('ordering')).toBe('ordering');
    expect(assertSchemaName('it_relay_1')).toBe('it_relay_1');
    for (const bad of ['', 'Catalog', '1abc', 'a-b', 'a.b', 'a;drop', `a${'b'.repeat(63)}`])
      expect(() => assertSchemaName(bad), bad).toThrow(InvalidSchemaNameError);
  });
});
