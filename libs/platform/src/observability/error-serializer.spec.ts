import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { errorSerializer } from './error-serializer';

/** The shape node-postgres gives a server error. */
function postgresError(code: string, message: string, fields: Record<string, string>): Error {
  return Object.assign(new Error(message), { severity: 'ERROR', code, ...fields });
}

describe('errorSerializer', () => {
  it('keeps the names of a PostgreSQL error and drops its detail and where', () => {
    const error = postgresError('23505', 'duplicate key value violates unique constraint "orders_pkey"', {
      detail: 'Key (tenant_id, idempotency_key)=(acme, key-42) already exists.',
      where: 'PL/pgSQL function f(text) line 3 at SQL statement',
      table: 'orders',
      constraint: 'orders_pkey',
    });
    const out = errorSerializer(error) as Record<string, unknown>;
    expect(out).toMatchObject({ code: '23505', table: 'orders', constraint: 'orders_pkey', type: 'Error' });
    expect(out['stack']).toContain('orders_pkey');
    expect(JSON.stringify(out)).not.toMatch(/acme|key-42|PL\/pgSQL/);
  });

  it("redacts the quoted input of a data exception's message (class 22)", () => {
    const error = postgresError('22P02', 'invalid input syntax for type uuid: "cust-secret"', {});
    const out = errorSerializer(error) as Record<string, unknown>;
    expect(out['message']).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(JSON.stringify(out)).not.toContain('cust-secret');
  });

  it('serializes causes by the same rules, apart from the message', () => {
    const cause = postgresError('23503', 'insert violates foreign key constraint "lines_order_fk"', {
      detail: 'Key (order_id)=(ord-secret) is not present.',
    });
    const error = Object.assign(new Error('capture failed', { cause }), { tenantHash: 'abc' });
    const out = errorSerializer(error) as Record<string, unknown>;
    expect(out).toMatchObject({ message: 'capture failed', tenantHash: 'abc', cause: { code: '23503' } });
    expect(JSON.stringify(out)).not.toContain('ord-secret');
  });

  it("takes pino-http's wrapped form (the error as `raw`)", () => {
    const error = postgresError('23505', 'duplicate key', { detail: 'Key (k)=(v-secret) already exists.' });
    const out = errorSerializer(pino.stdSerializers.err(error)) as Record<string, unknown>;
    expect(out['code']).toBe('23505');
    expect(JSON.stringify(out)).not.toContain('v-secret');
  });

  it('leaves values that are not errors alone', () => {
    expect(errorSerializer('text')).toBe('text');
    expect(errorSerializer(undefined)).toBeUndefined();
  });
});
