import { signDevToken } from '@cpq/platform';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  agent,
  call,
  capture,
  lines,
  newTenant,
  orderBody,
  startOrder,
  token,
  type CallResult,
  type OrderInstance,
} from './order-fixture';
import { expectProblem } from './order-problems';

const line = { offerId: 'router', quantity: 1, unitAmountMinor: 100, termMonths: 12 };
const UNKNOWN_ORDER = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** Bad input on every route: a 4xx problem+json, never a 5xx, and nothing written. */
describe('order-service HTTP edges (auth, validation, problems)', () => {
  let a: OrderInstance;
  let db: Kysely<any>;
  let tenant: string;
  let orderId: string;

  beforeAll(async () => {
    a = await startOrder();
    db = a.runtime.database.db as unknown as Kysely<any>;
    tenant = newTenant();
    orderId = (await capture(a.url, tenant, orderBody(), 'existing')).body.orderId;
  });

  /** Nothing but the one order of `beforeAll`, at version 1, with its one key and one event. */
  async function expectNothingWritten(): Promise<void> {
    const counts = await sql<{ orders: string; keys: string; events: string; version: number }>`
      select (select count(*) from ordering.orders where tenant_id = ${tenant}) as orders,
             (select count(*) from ordering.idempotency_keys where tenant_id = ${tenant}) as keys,
             (select count(*) from ordering.outbox where envelope->>'tenantId' = ${tenant}) as events,
             (select version from ordering.orders where tenant_id = ${tenant} and order_id = ${orderId}) as version`.execute(
      db,
    );
    expect(counts.rows[0]).toEqual({ orders: '1', keys: '1', events: '1', version: 1 });
  }

  const routes = () => [
    { name: 'capture', method: 'POST', path: `/v1/tenants/${tenant}/orders`, body: orderBody(), key: true },
    { name: 'list', method: 'GET', path: `/v1/tenants/${tenant}/orders` },
    { name: 'get', method: 'GET', path: `/v1/tenants/${tenant}/orders/${orderId}` },
    {
      name: 'transition',
      method: 'POST',
      path: `/v1/tenants/${tenant}/orders/${orderId}/transitions`,
      body: { to: 'SUBMITTED' },
      ifMatch: true,
    },
  ];

  const send = (
    route: ReturnType<typeof routes>[number],
    headers: Record<string, string>,
  ): Promise<CallResult> =>
    call(a.url, route.method, route.path, {
      ...(route.body ? { body: route.body } : {}),
      headers: {
        ...(route.key ? { 'idempotency-key': `edge-${Math.random()}` } : {}),
        ...(route.ifMatch ? { 'if-match': '"1"' } : {}),
        ...headers,
      },
    });

  it('401 without a token, with garbage, an expired or a foreignly signed one; 403 for another tenant', async () => {
    const expired = await signDevToken({
      secret: 'order-test-secret-order-test-secret',
      tenantId: tenant,
      sub: 'u',
      roles: ['order:agent'],
      ttlSeconds: -60,
    });
    const foreign = await signDevToken({
      secret: 'x'.repeat(40),
      tenantId: tenant,
      sub: 'u',
      roles: ['order:agent'],
    });
    const otherTenant = await token(newTenant(), ['order:agent']);
    for (const route of routes()) {
      expectProblem(await send(route, {}), 401, `${route.name} none`);
      for (const bad of ['garbage', 'a.b.c', expired, foreign]) {
        expectProblem(
          await send(route, { authorization: `Bearer ${bad}` }),
          401,
          `${route.name} ${bad.slice(0, 10)}`,
        );
      }
      expectProblem(
        await send(route, { authorization: `Bearer ${otherTenant}` }),
        403,
        `${route.name} tenant`,
      );
    }
    await expectNothingWritten();
  });

  it('400 for bad path parameters on every route', async () => {
    const auth = { authorization: `Bearer ${await agent(tenant)}` };
    const paths = [
      ['POST', '/v1/tenants/UPPER/orders', orderBody()],
      ['GET', '/v1/tenants/-x/orders', undefined],
      ['GET', `/v1/tenants/${tenant}/orders/not-a-uuid`, undefined],
      ['POST', `/v1/tenants/${tenant}/orders/123/transitions`, { to: 'SUBMITTED' }],
    ] as const;
    for (const [method, path, body] of paths) {
      const response = await call(a.url, method, path, {
        ...(body ? { body } : {}),
        headers: { ...auth, 'idempotency-key': 'p', 'if-match': '"1"' },
      });
      expect([400, 403], `${method} ${path}: ${response.status}`).toContain(response.status);
      expectProblem(response, response.status, path);
    }
    expectProblem(
      await call(a.url, 'GET', `/v1/tenants/${tenant}/orders/${UNKNOWN_ORDER}`, { headers: auth }),
      404,
    );
    await expectNothingWritten();
  });

  it('400 for every malformed capture body; 413 over 256 KiB; nothing written', async () => {
    const bodies: [string, unknown][] = [
      ['array', [orderBody()]],
      ['string', 'order'],
      ['null', null],
      ['unknown field', orderBody({ discount: 5 })],
      ['unknown line field', orderBody({ lines: [{ ...line, colour: 'red' }] })],
      ['no lines', orderBody({ lines: [] })],
      ['501 lines', orderBody({ lines: lines(501) })],
      ['lines not an array', orderBody({ lines: line })],
      ['quantity as string', orderBody({ lines: [{ ...line, quantity: '1' }] })],
      ['quantity 1.5', orderBody({ lines: [{ ...line, quantity: 1.5 }] })],
      ['quantity 0', orderBody({ lines: [{ ...line, quantity: 0 }] })],
      ['quantity 100001', orderBody({ lines: [{ ...line, quantity: 100_001 }] })],
      ['negative amount', orderBody({ lines: [{ ...line, unitAmountMinor: -1 }] })],
      ['amount beyond 2^53', orderBody({ lines: [{ ...line, unitAmountMinor: 2 ** 53 }] })],
      ['term 0', orderBody({ lines: [{ ...line, termMonths: 0 }] })],
      ['term 121', orderBody({ lines: [{ ...line, termMonths: 121 }] })],
      ['bad offer id', orderBody({ lines: [{ ...line, offerId: 'Router!' }] })],
      ['missing currency', { lines: [line] }],
      ['lower-case currency', orderBody({ currency: 'eur' })],
      ['long currency', orderBody({ currency: 'EURO' })],
      ['empty customerRef', orderBody({ customerRef: '' })],
      ['long customerRef', orderBody({ customerRef: 'c'.repeat(201) })],
      ['NUL in customerRef', orderBody({ customerRef: 'a\u0000b' })],
      ['NUL in configurationId', orderBody({ configurationId: '\u0000' })],
      ['empty configurationId', orderBody({ configurationId: '' })],
      ['configurationId not a string', orderBody({ configurationId: 7 })],
    ];
    for (const [label, body] of bodies) {
      const response = await capture(a.url, tenant, body, `bad-${label}`);
      expectProblem(response, 400, label);
      expect(response.body.errors?.length ?? 0, label).toBeGreaterThan(0);
    }
    for (const raw of [
      '{',
      '{"currency":"EUR",}',
      '',
      'null',
      '{"__proto__":{"x":1},"currency":"EUR","lines":[]}',
    ]) {
      const response = await capture(a.url, tenant, undefined, `raw-${raw}`, { rawBody: raw });
      expectProblem(response, 400, `raw ${raw}`);
    }
    const textPlain = await capture(a.url, tenant, undefined, 'text', {
      rawBody: JSON.stringify(orderBody()),
      headers: { 'content-type': 'text/plain' },
    });
    expect([400, 415]).toContain(textPlain.status);
    expectProblem(textPlain, textPlain.status, 'text/plain');
    const oversize = orderBody({
      customerRef: 'c',
      lines: lines(500).map((l: any) => ({ ...l, offerId: `${'o'.repeat(60)}${l.offerId}`.slice(0, 64) })),
    });
    const padded = JSON.stringify(oversize).replace('"currency"', `${' '.repeat(270 * 1024)}"currency"`);
    expectProblem(await capture(a.url, tenant, undefined, 'big', { rawBody: padded }), 413, 'oversize');
    await expectNothingWritten();
  });

  it('400 for every malformed transition body; nothing changes', async () => {
    const auth = await agent(tenant);
    const path = `/v1/tenants/${tenant}/orders/${orderId}/transitions`;
    for (const body of [
      {},
      { to: 'CAPTURED' },
      { to: 'submitted' },
      { to: 'SUBMITTED', reason: 'x' },
      { to: 7 },
      [],
    ]) {
      const response = await call(a.url, 'POST', path, { token: auth, body, headers: { 'if-match': '"1"' } });
      expectProblem(response, 400, JSON.stringify(body));
    }
    for (const raw of ['{', 'SUBMITTED', '']) {
      const response = await call(a.url, 'POST', path, {
        token: auth,
        rawBody: raw,
        headers: { 'if-match': '"1"' },
      });
      expectProblem(response, 400, `raw ${raw}`);
    }
    await expectNothingWritten();
  });

  it('never answers 5xx to a flood of odd requests', async () => {
    const auth = await agent(tenant);
    const odd = [
      ['GET', `/v1/tenants/${tenant}/orders?limit=9999999999999999999`],
      ['GET', `/v1/tenants/${tenant}/orders?cursor=${'A'.repeat(64)}`],
      ['GET', `/v1/tenants/${tenant}/orders?cursor=bzE6MA`], // "o1:0"
      ['GET', `/v1/tenants/${tenant}/orders?status=CAPTURED&status=SUBMITTED`],
      ['GET', `/v1/tenants/${tenant}/orders/${orderId.toUpperCase()}`],
      ['DELETE', `/v1/tenants/${tenant}/orders/${orderId}`],
      ['PUT', `/v1/tenants/${tenant}/orders`],
    ] as const;
    for (const [method, path] of odd) {
      const response = await call(a.url, method, path, { token: auth });
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
    }
    await expectNothingWritten();
  });
});
