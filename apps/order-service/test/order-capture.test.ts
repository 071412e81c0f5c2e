import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { capture, newTenant, orderBody, startOrder, type OrderInstance } from './order-fixture';

describe('order capture (real PostgreSQL, Redis, Kafka)', () => {
  let a: OrderInstance;
  let db: Kysely<any>;

  beforeAll(async () => {
    a = await startOrder();
    db = a.runtime.database.db as unknown as Kysely<any>;
  });

  const countOf = async (table: string, tenant: string) =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from ${sql.table(`ordering.${table}`)}
          where tenant_id = ${tenant}`.execute(db)
      ).rows[0]!.n,
    );

  it('captures an order: 201, Location, ETag "1", the contract order, its number and amounts', async () => {
    const tenant = newTenant();
    const response = await capture(a.url, tenant, orderBody(), 'key-1');
    expect(response.status, response.text).toBe(201);
    const order = response.body;
    expect(order).toEqual({
      orderId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      orderNumber: expect.stringMatching(new RegExp(`^SO-${new Date().getUTCFullYear()}-000001$`)),
      status: 'CAPTURED',
      version: 1,
      currency: 'EUR',
      customerRef: 'cust-42',
      lines: [
        { offerId: 'offer-0000', quantity: 1, unitAmountMinor: 1000, termMonths: 24, amountMinor: 1000 },
        { offerId: 'offer-0001', quantity: 2, unitAmountMinor: 1000, termMonths: 24, amountMinor: 2000 },
      ],
      totalAmountMinor: 3000,
      createdAt: expect.any(String),
      updatedAt: order.createdAt,
    });
    expect(response.headers.get('location')).toBe(`/v1/tenants/${tenant}/orders/${order.orderId}`);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(response.headers.get('ratelimit-policy')).toBe('"order-capture";q=1000;w=60');
    expect(await countOf('orders', tenant)).toBe(1);
    expect(await countOf('order_lines', tenant)).toBe(2);
  });
});
