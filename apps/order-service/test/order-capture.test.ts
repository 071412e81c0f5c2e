import { countQueries } from '@cpq/platform';
import { hashKeySegment } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { capture, lines, newTenant, orderBody, startOrder, token, type OrderInstance } from './order-fixture';
import { expectProblem } from './order-problems';

const hashKey = (key: string) => hashKeySegment(key);

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

  it('replays the stored response for a repeated key: same status, byte-identical body, Idempotent-Replayed', async () => {
    const tenant = newTenant();
    const first = await capture(a.url, tenant, orderBody(), 'key-r');
    expect(first.status).toBe(201);
    const again = await capture(a.url, tenant, orderBody(), 'key-r');
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('etag')).toBe('"1"');
    // canonical JSON: other key order and whitespace are the same request
    const reordered = `{ "lines": [{"termMonths":24,"unitAmountMinor":1000,"quantity":1,"offerId":"offer-0000"},
      {"quantity":2,"offerId":"offer-0001","termMonths":24,"unitAmountMinor":1000}],
      "customerRef":"cust-42",   "currency":"EUR" }`;
    const canonical = await capture(a.url, tenant, undefined, 'key-r', { rawBody: reordered });
    expect(canonical.text).toBe(first.text);
    expect(canonical.headers.get('idempotent-replayed')).toBe('true');
    // from PostgreSQL too (the Redis entry gone)
    await a.runtime.redis
      .connection('session')
      .client.del(a.runtime.redis.keys.key('order-idempotency', tenant, hashKey('key-r')).key);
    const fromPostgres = await capture(a.url, tenant, orderBody(), 'key-r');
    expect(fromPostgres.text).toBe(first.text);
    expect(fromPostgres.headers.get('idempotent-replayed')).toBe('true');
    expect(await countOf('orders', tenant)).toBe(1);
    const outbox = await sql<{ n: string }>`select count(*) as n from ordering.outbox
      where envelope->>'tenantId' = ${tenant}`.execute(db);
    expect(Number(outbox.rows[0]!.n)).toBe(1);
  });

  it('answers 422 for the same key with another body, and changes nothing', async () => {
    const tenant = newTenant();
    await capture(a.url, tenant, orderBody(), 'key-d');
    const other = await capture(a.url, tenant, orderBody({ currency: 'USD' }), 'key-d');
    expectProblem(other, 422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherNoRedis = await capture(a.url, tenant, orderBody({ customerRef: 'x' }), 'key-d');
    expectProblem(otherNoRedis, 422);
    expect(await countOf('orders', tenant)).toBe(1);
  });

  it('answers 400 without an Idempotency-Key, or with one out of its bounds, and writes nothing', async () => {
    const tenant = newTenant();
    const missing = await capture(a.url, tenant, orderBody(), undefined);
    expectProblem(missing, 400);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ in: 'headers', pointer: '/idempotency-key' }),
    ]);
    for (const bad of ['', 'x'.repeat(256), 'tab\there', 'café']) {
      const response = await capture(a.url, tenant, orderBody(), undefined, {
        headers: { 'idempotency-key': bad },
      });
      expectProblem(response, 400, JSON.stringify(bad));
    }
    expect(await countOf('orders', tenant)).toBe(0);
  });

  it('the same key in two tenants captures two orders, each numbered in its own tenant', async () => {
    const [t1, t2] = [newTenant(), newTenant()];
    const one = await capture(a.url, t1, orderBody(), 'shared-key');
    const two = await capture(a.url, t2, orderBody(), 'shared-key');
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(two.headers.get('idempotent-replayed')).toBeNull();
    expect(one.body.orderId).not.toBe(two.body.orderId);
    expect(one.body.orderNumber).toBe(two.body.orderNumber); // SO-<year>-000001 in each tenant
  });

  it('numbers orders per tenant and year, unique and increasing under concurrency, without gaps', async () => {
    const tenant = newTenant();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => capture(a.url, tenant, orderBody(), `n-${i}`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
    const year = new Date().getUTCFullYear();
    const numbers = results.map((r) => r.body.orderNumber as string).sort();
    expect(numbers).toEqual(
      Array.from({ length: 40 }, (_, i) => `SO-${year}-${String(i + 1).padStart(6, '0')}`),
    );
    // increasing in the order the captures committed (the list is newest first)
    const rows = await sql<{ order_number: string }>`select order_number from ordering.orders
      where tenant_id = ${tenant} order by seq`.execute(db);
    const inserted = rows.rows.map((r) => r.order_number);
    expect(inserted).toEqual([...inserted].sort());
  });

  it('refuses amounts beyond exact integers with 422 ORDER_AMOUNT_OUT_OF_RANGE, writing nothing', async () => {
    const tenant = newTenant();
    const huge = orderBody({
      lines: [
        { offerId: 'big', quantity: 100_000, unitAmountMinor: Number.MAX_SAFE_INTEGER, termMonths: 12 },
      ],
    });
    const response = await capture(a.url, tenant, huge, 'key-big');
    expectProblem(response, 422);
    expect(response.body.code).toBe('ORDER_AMOUNT_OUT_OF_RANGE');
    expect(await countOf('orders', tenant)).toBe(0);
  });

  it('captures 500 lines in one order; the replay is the same', async () => {
    const tenant = newTenant();
    const body = orderBody({ lines: lines(500, 7) });
    const first = await capture(a.url, tenant, body, 'key-500');
    expect(first.status, first.text).toBe(201);
    expect(first.body.lines).toHaveLength(500);
    expect(first.body.totalAmountMinor).toBe((7 * 500 * 501) / 2);
    expect((await capture(a.url, tenant, body, 'key-500')).text).toBe(first.text);
    expect(await countOf('order_lines', tenant)).toBe(500);
  });

  it('limits capture attempts per API client (azp, else sub): 429 quota-exceeded, other clients go on', async () => {
    const limited = await startOrder({ ORDER_CAPTURE_LIMIT_PER_MIN: '3' });
    const tenant = newTenant();
    const shop = await token(tenant, [], 'user-a', 'shop-frontend');
    const sameClientOtherUser = await token(tenant, [], 'user-b', 'shop-frontend');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await capture(limited.url, tenant, orderBody(), `rl-${i}`, { token: shop })).status);
    expect(statuses).toEqual([201, 201, 201]);
    const refused = await capture(limited.url, tenant, orderBody(), 'rl-3', { token: sameClientOtherUser });
    expectProblem(refused, 429);
    expect(refused.body['violated-policies']).toEqual(['order-capture']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit')).toMatch(/^"order-capture";r=0;t=\d+$/);
    // another client (no azp: its sub counts) is not affected
    const other = await capture(limited.url, tenant, orderBody(), 'rl-4', {
      token: await token(tenant, [], 'user-c'),
    });
    expect(other.status).toBe(201);
    expect(other.headers.get('ratelimit')).toMatch(/^"order-capture";r=2;t=\d+$/);
    expect(await countOf('orders', tenant)).toBe(4);
  });

  it('a first capture is one PostgreSQL transaction of six statements; a replay from Redis sends none', async () => {
    const quiet = await startOrder({ ORDER_EVENTS: 'off' }); // no relay or consumer statements in between
    const tenant = newTenant();
    const counter = countQueries(quiet.runtime.database);
    try {
      expect((await capture(quiet.url, tenant, orderBody({ lines: lines(5) }), 'one-tx')).status).toBe(201);
      const kinds = counter.statements.map((q) => q.trim().split(/\s+/).slice(0, 4).join(' '));
      expect(kinds).toEqual([
        'begin',
        'with attempt as (', // advisory try-lock + claim + the live record, one statement
        'insert into ordering.order_number_counters as',
        'with o as (', // order, lines and outbox row, one statement
        'update ordering.idempotency_keys set http_status',
        'commit',
      ]);
      counter.reset();
      expect((await capture(quiet.url, tenant, orderBody({ lines: lines(5) }), 'one-tx')).status).toBe(201);
      expect(counter.statements).toEqual([]);
    } finally {
      counter.stop();
    }
  });

  it('a repeat waits for the first attempt and replays it; past the wait it gets 409 with Retry-After', async () => {
    const slow = await startOrder({ ORDER_TEST_HOLD_BEFORE_COMMIT_MS: '1500' });
    const impatient = await startOrder({ ORDER_IDEMPOTENCY_WAIT_MS: '300' });
    const tenant = newTenant();
    const first = capture(slow.url, tenant, orderBody(), 'slow-key');
    await new Promise((r) => setTimeout(r, 300)); // claimed, held before its commit
    const gaveUp = await capture(impatient.url, tenant, orderBody(), 'slow-key');
    expectProblem(gaveUp, 409);
    expect(gaveUp.headers.get('retry-after')).toBe('1');
    const waited = await capture(a.url, tenant, orderBody(), 'slow-key'); // waits up to 5 s: long enough
    const original = await first;
    expect(original.status).toBe(201);
    expect(waited.status).toBe(201);
    expect(waited.text).toBe(original.text);
    expect(waited.headers.get('idempotent-replayed')).toBe('true');
    expect(await countOf('orders', tenant)).toBe(1);
  });
});
