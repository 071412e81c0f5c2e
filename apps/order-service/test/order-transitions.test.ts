import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  capture,
  newTenant,
  orderBody,
  startOrder,
  token,
  transition,
  type OrderInstance,
} from './order-fixture';
import { expectProblem } from './order-problems';

const ALLOWED = new Set([
  'CAPTURED>SUBMITTED',
  'CAPTURED>CANCELLED',
  'SUBMITTED>FULFILLED',
  'SUBMITTED>CANCELLED',
]);
const TARGETS = ['SUBMITTED', 'CANCELLED', 'FULFILLED'];

describe('order transitions (guarded in SQL, If-Match, events in the same transaction)', () => {
  let a: OrderInstance;
  let db: Kysely<any>;

  beforeAll(async () => {
    a = await startOrder();
    db = a.runtime.database.db as unknown as Kysely<any>;
  });

  let keys = 0;
  const newOrder = async (tenant: string) => {
    const response = await capture(a.url, tenant, orderBody(), `k-${keys++}`);
    expect(response.status).toBe(201);
    return response.body.orderId as string;
  };

  /** An order of `tenant` in `status`, through allowed transitions; returns its id and version. */
  async function orderIn(tenant: string, status: string): Promise<{ id: string; version: number }> {
    const id = await newOrder(tenant);
    const path: Record<string, string[]> = {
      CAPTURED: [],
      SUBMITTED: ['SUBMITTED'],
      CANCELLED: ['CANCELLED'],
      FULFILLED: ['SUBMITTED', 'FULFILLED'],
    };
    let version = 1;
    for (const to of path[status]!) {
      const response = await transition(a.url, tenant, id, to, `"${version}"`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      version = response.body.version;
    }
    return { id, version };
  }

  const eventsOf = async (orderId: string) =>
    (
      await sql<{ envelope: any }>`select envelope from ordering.outbox
        where event_type = 'oms.order.status-changed.v1' and envelope->>'aggregateId' = ${orderId}
        order by created_at`.execute(db)
    ).rows.map((r) => r.envelope.payload);

  it('moves an order CAPTURED → SUBMITTED → FULFILLED: 200, the order, ETag, one event per transition', async () => {
    const tenant = newTenant();
    const id = await newOrder(tenant);
    const submitted = await transition(a.url, tenant, id, 'SUBMITTED', '"1"');
    expect(submitted.status).toBe(200);
    expect(submitted.headers.get('etag')).toBe('"2"');
    expect(submitted.body).toMatchObject({ orderId: id, status: 'SUBMITTED', version: 2 });
    expect(Date.parse(submitted.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(submitted.body.createdAt));
    const fulfilled = await transition(a.url, tenant, id, 'FULFILLED', '"2"');
    expect(fulfilled.body).toMatchObject({ status: 'FULFILLED', version: 3, lines: submitted.body.lines });
    expect(await eventsOf(id)).toEqual([
      { orderId: id, from: 'CAPTURED', to: 'SUBMITTED', version: 2 },
      { orderId: id, from: 'SUBMITTED', to: 'FULFILLED', version: 3 },
    ]);
  });

  it('answers 409 for every pair the contract does not allow, and changes nothing', async () => {
    const tenant = newTenant();
    for (const from of ['CAPTURED', 'SUBMITTED', 'CANCELLED', 'FULFILLED']) {
      for (const to of TARGETS) {
        if (ALLOWED.has(`${from}>${to}`)) continue;
        const order = await orderIn(tenant, from);
        const before = await eventsOf(order.id);
        const response = await transition(a.url, tenant, order.id, to, `"${order.version}"`);
        expectProblem(response, 409, `${from} -> ${to}`);
        expect(response.body.code).toBe('ORDER_TRANSITION_NOT_ALLOWED');
        const now = await call(a.url, 'GET', `/v1/tenants/${tenant}/orders/${order.id}`, {
          token: await token(tenant),
        });
        expect(now.body).toMatchObject({ status: from, version: order.version });
        expect(await eventsOf(order.id)).toEqual(before);
      }
    }
  });

  it('412 for a stale If-Match (also for a pair that would be illegal), 428 without one, 400 for garbage', async () => {
    const tenant = newTenant();
    const { id } = await orderIn(tenant, 'SUBMITTED'); // version 2
    const stale = await transition(a.url, tenant, id, 'FULFILLED', '"1"');
    expectProblem(stale, 412);
    expect(stale.body.code).toBe('ORDER_VERSION_STALE');
    expectProblem(await transition(a.url, tenant, id, 'SUBMITTED', '"1"'), 412);
    expectProblem(await transition(a.url, tenant, id, 'FULFILLED', '"3"'), 412);
    expectProblem(await transition(a.url, tenant, id, 'FULFILLED', undefined), 428);
    expectProblem(await transition(a.url, tenant, id, 'FULFILLED', '*'), 428);
    expectProblem(await transition(a.url, tenant, id, 'FULFILLED', 'W/"2"'), 412);
    for (const garbage of ['2', '"two"', '"2", "3"', '"0"']) {
      expectProblem(await transition(a.url, tenant, id, 'FULFILLED', garbage), 400, garbage);
    }
    expect(await eventsOf(id)).toHaveLength(1); // only the SUBMITTED one
  });

  it("404 for an unknown order or another tenant's, 403 without the order:agent role", async () => {
    const [tenant, other] = [newTenant(), newTenant()];
    const { id } = await orderIn(tenant, 'CAPTURED');
    expectProblem(
      await transition(a.url, tenant, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'SUBMITTED', '"1"'),
      404,
    );
    expectProblem(await transition(a.url, other, id, 'SUBMITTED', '"1"'), 404);
    const noRole = await call(a.url, 'POST', `/v1/tenants/${tenant}/orders/${id}/transitions`, {
      token: await token(tenant),
      body: { to: 'SUBMITTED' },
      headers: { 'if-match': '"1"' },
    });
    expectProblem(noRole, 403);
  });

  it('concurrent transitions from one version: exactly one wins, the others get 412', async () => {
    const tenant = newTenant();
    const { id } = await orderIn(tenant, 'CAPTURED');
    const targets = Array.from({ length: 12 }, (_, i) => (i % 2 ? 'SUBMITTED' : 'CANCELLED'));
    const answers = await Promise.all(targets.map((to) => transition(a.url, tenant, id, to, '"1"')));
    const won = answers.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((r) => r.status === 412)).toHaveLength(11);
    const events = await eventsOf(id);
    expect(events).toEqual([{ orderId: id, from: 'CAPTURED', to: won[0]!.body.status, version: 2 }]);
  });
});
