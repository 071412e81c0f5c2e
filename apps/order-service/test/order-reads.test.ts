import { countQueries } from '@cpq/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheEventsOf } from '../../../test/support/service-instance';
import {
  call,
  capture,
  getOrder,
  newTenant,
  orderBody,
  startOrder,
  token,
  transition,
  type OrderInstance,
} from './order-fixture';
import { expectProblem } from './order-problems';

describe('order reads: GET through the order-view cache, lists from PostgreSQL', () => {
  let a: OrderInstance;

  beforeAll(async () => {
    a = await startOrder();
  });

  const readsOrders = (statement: string) => /ordering\.orders|"ordering"\."orders"/.test(statement);

  it('GET answers the order with its ETag; a repeated GET comes from Redis without PostgreSQL', async () => {
    const tenant = newTenant();
    const created = await capture(a.url, tenant, orderBody(), 'g-1');
    const first = await getOrder(a.url, tenant, created.body.orderId);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toEqual(created.body);
    const counter = countQueries(a.runtime.database);
    try {
      const before = await cacheEventsOf(a.url, 'order-view');
      const again = await getOrder(a.url, tenant, created.body.orderId);
      expect(again.body).toEqual(created.body);
      expect(counter.statements.filter(readsOrders)).toEqual([]);
      const after = await cacheEventsOf(a.url, 'order-view');
      expect((after['hit'] ?? 0) - (before['hit'] ?? 0)).toBe(1);
    } finally {
      counter.stop();
    }
  });

  it('after a transition, this instance reads the new version at once', async () => {
    const tenant = newTenant();
    const { body: order } = await capture(a.url, tenant, orderBody(), 'g-2');
    await getOrder(a.url, tenant, order.orderId); // cached at version 1
    expect((await transition(a.url, tenant, order.orderId, 'SUBMITTED', '"1"')).status).toBe(200);
    const read = await getOrder(a.url, tenant, order.orderId);
    expect(read.body).toMatchObject({ status: 'SUBMITTED', version: 2 });
    expect(read.headers.get('etag')).toBe('"2"');
  });

  it("404 for an unknown order and for another tenant's order (nothing is cached for them)", async () => {
    const [tenant, other] = [newTenant(), newTenant()];
    const { body: order } = await capture(a.url, tenant, orderBody(), 'g-3');
    expectProblem(await getOrder(a.url, other, order.orderId), 404);
    expectProblem(await getOrder(a.url, tenant, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'), 404);
    const key = a.runtime.redis.keys.key('order-view', other, order.orderId).key;
    expect(await a.runtime.redis.connection('cache').client.exists(key)).toBe(0);
  });

  it('lists newest first with a cursor, filters by status, and bounds the limit', async () => {
    const tenant = newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await capture(a.url, tenant, orderBody(), `l-${i}`)).body.orderId);
    await transition(a.url, tenant, ids[1]!, 'SUBMITTED', '"1"');
    await transition(a.url, tenant, ids[3]!, 'SUBMITTED', '"1"');
    const auth = await token(tenant);
    const list = (query: string) =>
      call(a.url, 'GET', `/v1/tenants/${tenant}/orders${query}`, { token: auth });

    const all = await list('');
    expect(all.status).toBe(200);
    expect(all.body.items.map((o: any) => o.orderId)).toEqual([...ids].reverse());
    expect(all.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((o: any) => o.orderId));
      cursor = page.body.nextCursor;
      pages++;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    const submitted = await list('?status=SUBMITTED');
    expect(submitted.body.items.map((o: any) => [o.orderId, o.status, o.version])).toEqual([
      [ids[3], 'SUBMITTED', 2],
      [ids[1], 'SUBMITTED', 2],
    ]);
    expect((await list('?status=FULFILLED')).body).toEqual({ items: [], nextCursor: null });
    for (const bad of [
      '?limit=0',
      '?limit=201',
      '?limit=abc',
      '?limit=01',
      '?status=SHIPPED',
      '?cursor=nope',
      '?x=1',
    ]) {
      expectProblem(await list(bad), 400, bad);
    }
  });

  it('with ORDER_VIEW_CACHE=off every GET reads PostgreSQL', async () => {
    const uncached = await startOrder({ ORDER_VIEW_CACHE: 'off' });
    const tenant = newTenant();
    const { body: order } = await capture(uncached.url, tenant, orderBody(), 'g-off');
    await getOrder(uncached.url, tenant, order.orderId);
    const counter = countQueries(uncached.runtime.database);
    try {
      expect((await getOrder(uncached.url, tenant, order.orderId)).body).toEqual(order);
      expect(counter.statements.filter(readsOrders)).toHaveLength(1);
    } finally {
      counter.stop();
    }
  });
});
