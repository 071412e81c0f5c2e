import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawResponse } from '../support/hostile-requests';
import { documentedRoutes, routeShape } from '../support/openapi-routes';
import { startPostgresProcess, type PostgresProcess } from '../support/postgres-process';
import {
  newRunAppEnv,
  runToken,
  startEveryService,
  type ServiceUnderTest,
} from '../support/services-under-test';
import { uniqueId } from '../support/unique';

// Every route of every service with its PostgreSQL stopped, then hung (SIGSTOP), on a private server: each answer is
// a 2xx the route can give without PostgreSQL (cached reads, replays, write-behind), a 4xx, or 503 problem+json with
// Retry-After; never another 5xx. Readiness shows it. And each service is back within 2 s of the database's return
// (asserted with a generous margin for a shared machine; the figures are printed).

const DATABASE_UNAVAILABLE = 'https://cpq.dev/problems/database-unavailable';
const SERVICE_UNAVAILABLE = 'https://cpq.dev/problems/service-unavailable';
/** Budgets small enough that a hung database is noticed quickly in the test. */
const DATABASE_ENV = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' };
/** The bound a request waits for a hung database in this test: connect 1 s, a statement 1 s + 1 s grace, slack. */
const HUNG_ANSWER_BOUND_MS = 12_000;
const RECOVERY_BUDGET_MS = 2_000;
/** Asserted: the budget with room for a busy 2-core machine. */
const RECOVERY_ASSERTED_MS = 3 * RECOVERY_BUDGET_MS;

const tenant = uniqueId('pgo').slice(0, 40);
const ALL_ROLES = ['catalog:admin', 'pricing:admin', 'order:agent'];

let database: PostgresProcess;
let services: Map<string, ServiceUnderTest>;
let bearer: string;

const url = (service: string) => services.get(service)!.url;
const json = (body: unknown) => JSON.stringify(body);

async function send(
  service: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return rawRequest(url(service), {
    method,
    path: `/v1/tenants/${tenant}${path}`,
    headers: {
      authorization: bearer,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: json(options.body) }),
  });
}

function expectStatus(response: RawResponse, status: number, what: string): void {
  expect({ what, status: response.status, body: response.text.slice(0, 300) }).toMatchObject({
    what,
    status,
  });
}

const offer = (offerId: string) => ({
  offerId,
  displayName: offerId,
  status: 'ACTIVE',
  eligibleActions: ['ADD'],
});
const calculation = {
  offerId: 'offer-a',
  currency: 'USD',
  termMonths: 12,
  quantity: 1,
  segment: 'smb',
  region: 'us',
};
const orderBody = {
  currency: 'USD',
  customerRef: 'cust-1',
  lines: [{ offerId: 'offer-a', quantity: 1, unitAmountMinor: 1000, termMonths: 12 }],
};

/** What the seeding made: ids the probes name. */
interface Seeded {
  sessionId: string;
  sessionVersion: number;
  configurationId: string;
  orderId: string;
  orderVersion: number;
  captureKey: string;
}
let seeded: Seeded;

interface Probe {
  service: string;
  /** The route as its OpenAPI document names it, e.g. `GET /v1/tenants/{tenantId}/orders/{orderId}`. */
  route: string;
  /** Sent once with PostgreSQL up, before the outage (reads: fills the caches the outage may serve from). */
  warm?: boolean;
  /** Answered without PostgreSQL (from Redis or process memory): must stay 2xx through the outage. */
  servesWithoutPostgres?: boolean;
  send(): Promise<RawResponse>;
}

/** The session's current version (read from Redis, which stays up): writes name it in If-Match. */
async function sessionVersion(sessionId: string): Promise<number> {
  const session = await send('config-service', 'GET', `/config-sessions/${sessionId}`);
  return (session.json as { version?: number } | undefined)?.version ?? 1;
}

/** One request per route, each a real one (past validation, reaching the store), fresh keys for writes. */
function probes(): Probe[] {
  const s = seeded;
  return [
    {
      service: 'catalog-service',
      route: 'POST /v1/tenants/{tenantId}/catalog/versions',
      send: () =>
        send('catalog-service', 'POST', '/catalog/versions', { body: { offers: [offer('offer-z')] } }),
    },
    {
      service: 'catalog-service',
      route: 'GET /v1/tenants/{tenantId}/catalog',
      warm: true,
      send: () => send('catalog-service', 'GET', '/catalog'),
    },
    {
      service: 'catalog-service',
      route: 'GET /v1/tenants/{tenantId}/catalog/versions/{version}/offers/{offerId}',
      warm: true,
      servesWithoutPostgres: true,
      send: () => send('catalog-service', 'GET', '/catalog/versions/1/offers/offer-a'),
    },
    {
      service: 'catalog-service',
      route: 'GET /v1/tenants/{tenantId}/catalog/offers/{offerId}',
      warm: true,
      send: () => send('catalog-service', 'GET', '/catalog/offers/offer-a'),
    },
    {
      service: 'catalog-service',
      route: 'GET /v1/tenants/{tenantId}/catalog/versions/{version}/offers',
      warm: true,
      servesWithoutPostgres: true,
      send: () => send('catalog-service', 'GET', '/catalog/versions/1/offers?limit=10'),
    },
    {
      service: 'pricing-service',
      route: 'POST /v1/tenants/{tenantId}/pricebooks/versions',
      send: () =>
        send('pricing-service', 'POST', '/pricebooks/versions', {
          body: { entries: [{ offerId: 'offer-a', currency: 'USD', basePriceMinor: 2000 }] },
        }),
    },
    {
      service: 'pricing-service',
      route: 'POST /v1/tenants/{tenantId}/prices/calculate',
      warm: true,
      send: () => send('pricing-service', 'POST', '/prices/calculate', { body: calculation }),
    },
    {
      service: 'config-service',
      route: 'POST /v1/tenants/{tenantId}/config-sessions',
      send: () => send('config-service', 'POST', '/config-sessions', { body: { catalogVersion: 1 } }),
    },
    {
      service: 'config-service',
      route: 'GET /v1/tenants/{tenantId}/config-sessions/{sessionId}',
      warm: true,
      servesWithoutPostgres: true,
      send: () => send('config-service', 'GET', `/config-sessions/${s.sessionId}`),
    },
    {
      service: 'config-service',
      route: 'POST /v1/tenants/{tenantId}/config-sessions/{sessionId}/finalize',
      send: async () =>
        send('config-service', 'POST', `/config-sessions/${s.sessionId}/finalize`, {
          headers: { 'if-match': `"${await sessionVersion(s.sessionId)}"` },
        }),
    },
    {
      service: 'config-service',
      route: 'PUT /v1/tenants/{tenantId}/config-sessions/{sessionId}/selections',
      send: async () =>
        send('config-service', 'PUT', `/config-sessions/${s.sessionId}/selections`, {
          body: { selectedOptions: [{ offerId: 'offer-b', quantity: 1 }] },
          headers: { 'if-match': `"${await sessionVersion(s.sessionId)}"` },
        }),
    },
    {
      service: 'config-service',
      route: 'GET /v1/tenants/{tenantId}/configurations/{configurationId}',
      warm: true,
      send: () => send('config-service', 'GET', `/configurations/${s.configurationId}`),
    },
    {
      service: 'order-service',
      route: 'POST /v1/tenants/{tenantId}/orders',
      send: () =>
        send('order-service', 'POST', '/orders', {
          body: orderBody,
          headers: { 'idempotency-key': `new-${randomUUID()}` },
        }),
    },
    {
      service: 'order-service',
      route: 'POST /v1/tenants/{tenantId}/orders',
      warm: true,
      servesWithoutPostgres: true, // a repeat of a completed capture
      send: () =>
        send('order-service', 'POST', '/orders', {
          body: orderBody,
          headers: { 'idempotency-key': s.captureKey },
        }),
    },
    {
      service: 'order-service',
      route: 'GET /v1/tenants/{tenantId}/orders/{orderId}',
      warm: true,
      servesWithoutPostgres: true,
      send: () => send('order-service', 'GET', `/orders/${s.orderId}`),
    },
    {
      service: 'order-service',
      route: 'GET /v1/tenants/{tenantId}/orders',
      warm: true,
      send: () => send('order-service', 'GET', '/orders?status=SUBMITTED&limit=10'),
    },
    {
      service: 'order-service',
      route: 'POST /v1/tenants/{tenantId}/orders/{orderId}/transitions',
      send: () =>
        send('order-service', 'POST', `/orders/${s.orderId}/transitions`, {
          body: { to: 'FULFILLED' },
          headers: { 'if-match': `"${s.orderVersion}"` },
        }),
    },
  ];
}

/** Why an answer during the outage breaks the promise, or undefined. */
function brokenDuringOutage(probe: Probe, response: RawResponse): string | undefined {
  const what = `${probe.service} ${probe.route}: ${response.status} ${response.text.slice(0, 200)}`;
  if (probe.servesWithoutPostgres && (response.status < 200 || response.status >= 300))
    return `${what} (served without PostgreSQL before)`;
  if (response.status < 400) return undefined;
  if (!String(response.headers['content-type']).startsWith('application/problem+json'))
    return `${what} (not problem+json)`;
  if (response.status < 500) return undefined;
  if (response.status !== 503) return what;
  if (!/^\d+$/.test(String(response.headers['retry-after']))) return `${what} (no Retry-After)`;
  return undefined;
}

async function seed(): Promise<Seeded> {
  expectStatus(
    await send('catalog-service', 'POST', '/catalog/versions', {
      body: { offers: [offer('offer-a'), offer('offer-b')] },
    }),
    201,
    'publish',
  );
  expectStatus(
    await send('pricing-service', 'POST', '/pricebooks/versions', {
      body: { entries: [{ offerId: 'offer-a', currency: 'USD', basePriceMinor: 1000 }] },
    }),
    201,
    'price book',
  );
  // pricing learns statuses from the catalog's Kafka event (events are off here): the projection's row, directly
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(
    `insert into pricing.offer_status (tenant_id, offer_id, status, catalog_version) values ($1, 'offer-a', 'ACTIVE', 1)`,
    [tenant],
  );
  await client.end();

  const session = await send('config-service', 'POST', '/config-sessions', { body: { catalogVersion: 1 } });
  expectStatus(session, 201, 'session');
  const finalized = (session.json as { sessionId: string }).sessionId;
  const put = await send('config-service', 'PUT', `/config-sessions/${finalized}/selections`, {
    body: { selectedOptions: [{ offerId: 'offer-a', quantity: 1 }] },
    headers: { 'if-match': '"1"' },
  });
  expectStatus(put, 200, 'selections');
  const finalize = await send('config-service', 'POST', `/config-sessions/${finalized}/finalize`, {
    headers: { 'if-match': `"${(put.json as { version: number }).version}"` },
  });
  expectStatus(finalize, 200, 'finalize');
  const open = await send('config-service', 'POST', '/config-sessions', { body: { catalogVersion: 1 } });
  expectStatus(open, 201, 'second session');

  const captureKey = `seed-${randomUUID()}`;
  const captured = await send('order-service', 'POST', '/orders', {
    body: orderBody,
    headers: { 'idempotency-key': captureKey },
  });
  expectStatus(captured, 201, 'capture');
  const orderId = (captured.json as { orderId: string }).orderId;
  const submitted = await send('order-service', 'POST', `/orders/${orderId}/transitions`, {
    body: { to: 'SUBMITTED' },
    headers: { 'if-match': String(captured.headers['etag']) },
  });
  expectStatus(submitted, 200, 'transition');
  return {
    sessionId: (open.json as { sessionId: string }).sessionId,
    sessionVersion: (open.json as { version: number }).version,
    configurationId: (finalize.json as { configurationId: string }).configurationId,
    orderId,
    orderVersion: (submitted.json as { version: number }).version,
    captureKey,
  };
}

/** The reads once with PostgreSQL up (fills the caches the outage may serve from); each must answer 2xx. */
async function warmUp(): Promise<void> {
  const answers: string[] = [];
  const warm = probes().filter((probe) => probe.warm);
  for (const probe of warm) answers.push(`${probe.service} ${probe.route}: ${(await probe.send()).status}`);
  expect(answers.filter((answer) => !/: 20\d$/.test(answer))).toEqual([]);
}

async function readiness(service: string): Promise<RawResponse> {
  return rawRequest(url(service), { method: 'GET', path: '/health/ready' });
}

/** A request per service that only PostgreSQL can answer (fresh ids: nothing cached), and what it answers then. */
const needsPostgres: Record<string, () => Promise<boolean>> = {
  'catalog-service': async () =>
    (await send('catalog-service', 'GET', `/catalog/versions/1/offers/missing-${randomUUID().slice(0, 8)}`))
      .status === 404,
  'pricing-service': async () =>
    (
      await send('pricing-service', 'POST', '/pricebooks/versions', {
        body: { entries: [{ offerId: 'offer-a', currency: 'EUR', basePriceMinor: 1000 }] },
      })
    ).status === 201,
  'config-service': async () =>
    (await send('config-service', 'GET', `/configurations/${randomUUID()}`)).status === 404,
  'order-service': async () => (await send('order-service', 'GET', '/orders?status=CAPTURED')).status === 200,
};

/** Milliseconds from now until each service answers readiness 200 and its PostgreSQL request as usual. */
async function recoveryTimes(): Promise<Record<string, number>> {
  const started = Date.now();
  const entries = await Promise.all(
    [...services.keys()].map(async (service) => {
      for (;;) {
        const ready = (await readiness(service)).status === 200;
        if (ready && (await needsPostgres[service]!())) return [service, Date.now() - started] as const;
        if (Date.now() - started > 30_000) return [service, Infinity] as const;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
  return Object.fromEntries(entries);
}

beforeAll(async () => {
  database = await startPostgresProcess();
  services = await startEveryService(newRunAppEnv('pgo'), { DATABASE_URL: database.url, ...DATABASE_ENV });
  bearer = `Bearer ${await runToken(tenant, 'pg-outage-user', ALL_ROLES)}`;
  seeded = await seed();
  await warmUp();
}, 180_000);

afterAll(async () => {
  database?.resume();
  await Promise.allSettled([...(services?.values() ?? [])].map((instance) => instance.close()));
  await database?.destroy();
}, 60_000);

describe('every route with PostgreSQL in trouble (private server)', () => {
  it('probes every documented route of every service', async () => {
    const documented = (
      await Promise.all(
        [...services.values()].map(async (instance) =>
          (await documentedRoutes(instance.service, instance.url)).map(
            (r) => `${r.service} ${routeShape(r.method, r.path)}`,
          ),
        ),
      )
    ).flat();
    const probed = probes().map((p) => {
      const [method, path] = p.route.split(' ') as [string, string];
      return `${p.service} ${routeShape(method, path)}`;
    });
    expect([...new Set(probed)].sort()).toEqual([...new Set(documented)].sort());
  });

  it('PostgreSQL down: cached answers keep coming, everything else is 503 + Retry-After; readiness 503; back within 2 s', async () => {
    await database.start(); // whatever an earlier test left
    await database.stop();
    const broken: string[] = [];
    const types = new Set<string>();
    for (const probe of probes()) {
      const response = await probe.send();
      const why = brokenDuringOutage(probe, response);
      if (why) broken.push(why);
      if (response.status === 503) types.add((response.json as { type: string }).type);
    }
    expect(broken).toEqual([]);
    // PostgreSQL's own 503 everywhere; config-service may also say its catalog (catalog-service, itself without
    // PostgreSQL) cannot be read, a 503 of its own kind
    expect(types).toContain(DATABASE_UNAVAILABLE);
    expect([...types].filter((t) => t !== DATABASE_UNAVAILABLE && t !== SERVICE_UNAVAILABLE)).toEqual([]);
    for (const service of services.keys()) {
      const ready = await readiness(service);
      expect({ service, status: ready.status, postgres: (ready.json as any)?.checks?.postgres }).toEqual({
        service,
        status: 503,
        postgres: 'down',
      });
      expect(ready.headers['retry-after'], service).toMatch(/^\d+$/);
    }

    await database.start();
    const times = await recoveryTimes();
    console.log(`recovery after PostgreSQL down (ms): ${json(times)}`);
    expect(Object.entries(times).filter(([, ms]) => ms > RECOVERY_ASSERTED_MS)).toEqual([]);
  }, 120_000);

  it('PostgreSQL hung: every route answers within a bound, the same way; readiness 503; back within 2 s', async () => {
    await database.start();
    await recoveryTimes(); // every pool holds open connections again: the hung server keeps them
    database.pause();
    const broken: string[] = [];
    const slow: string[] = [];
    let slowest = 0;
    await Promise.all(
      probes().map(async (probe) => {
        const started = Date.now();
        const response = await probe.send().catch((error: Error) => ({
          status: 0,
          headers: {},
          text: error.message,
          json: undefined,
        }));
        const elapsed = Date.now() - started;
        slowest = Math.max(slowest, elapsed);
        if (elapsed > HUNG_ANSWER_BOUND_MS) slow.push(`${probe.service} ${probe.route}: ${elapsed} ms`);
        const why =
          response.status === 0
            ? `${probe.service} ${probe.route}: ${response.text}`
            : brokenDuringOutage(probe, response);
        if (why) broken.push(why);
      }),
    );
    console.log(`slowest answer with PostgreSQL hung: ${slowest} ms`);
    expect({ broken, slow }).toEqual({ broken: [], slow: [] });
    for (const service of services.keys()) expect((await readiness(service)).status, service).toBe(503);

    database.resume();
    const times = await recoveryTimes();
    console.log(`recovery after PostgreSQL hung (ms): ${json(times)}`);
    expect(Object.entries(times).filter(([, ms]) => ms > RECOVERY_ASSERTED_MS)).toEqual([]);
  }, 180_000);

  it('left the truth whole: one order per remembered capture, every catalog version whole', async () => {
    database.resume();
    await database.start();
    const replay = await send('order-service', 'POST', '/orders', {
      body: orderBody,
      headers: { 'idempotency-key': seeded.captureKey },
    });
    expect((replay.json as { orderId: string }).orderId).toBe(seeded.orderId);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const count = async (text: string) => Number((await client.query(text, [tenant])).rows[0].n);
      // exactly one order per remembered Idempotency-Key: no capture applied twice, none without its key
      const orders = await count(`select count(*) as n from ordering.orders where tenant_id = $1`);
      const keys = await count(`select count(*) as n from ordering.idempotency_keys where tenant_id = $1`);
      expect(orders).toBe(keys);
      // every catalog version whole: as many offers as it says
      const halfWritten = await count(
        `select count(*) as n from catalog.catalog_versions v where tenant_id = $1
           and offer_count <> (select count(*) from catalog.offers o
                               where o.tenant_id = v.tenant_id and o.catalog_version = v.version)`,
      );
      expect(halfWritten).toBe(0);
    } finally {
      await client.end();
    }
  });
});
