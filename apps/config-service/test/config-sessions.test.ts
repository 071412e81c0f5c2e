import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../test/support/service-instance';
import {
  ConfigClient,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  startCatalog,
  startConfig,
  token,
  type CatalogInstance,
  type ConfigInstance,
} from './config-fixture';

const PROBLEM = 'application/problem+json';

describe('config-service sessions over HTTP (real catalog-service, PostgreSQL, Redis)', () => {
  const appEnv = newAppEnv();
  let catalog: CatalogInstance;
  let svc: ConfigInstance;
  let tenant: string;
  let alice: ConfigClient;

  beforeAll(async () => {
    catalog = await startCatalog(appEnv);
    svc = await startConfig(appEnv, catalog.url, { CONFIG_SNAPSHOT_MAX_LAG_MS: '0' });
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(3));
    await publishCatalog(catalog.url, tenant, plainOffers(5));
    alice = await ConfigClient.of(svc.url, tenant, 'alice');
  });

  it('a two-tab session: create, read, update with If-Match, a stale tab gets 412, finalize, read the configuration', async () => {
    const created = await alice.create();
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.sessionId as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // UUIDv7
    expect(created.headers.get('location')).toBe(alice.path(id));
    expect(created.body).toEqual({
      schemaVersion: 1,
      sessionId: id,
      version: 1,
      status: 'DRAFT',
      catalogVersion: 2, // the current one
      selectedOptions: [],
      validationSummary: { valid: true, errors: [], warnings: [] },
      lastValidatedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const tab1 = await alice.get(id);
    const tab2 = await alice.get(id);
    expect([tab1.status, tab1.headers.get('etag'), tab2.headers.get('etag')]).toEqual([200, '"1"', '"1"']);

    const put = await alice.put(id, 1, [
      { offerId: 'offer-0001', quantity: 2, attributes: { color: 'red' } },
    ]);
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"2"');
    expect(put.headers.get('ratelimit-policy')).toBe('"config-updates";q=300;w=60');
    expect(put.headers.get('ratelimit')).toMatch(/^"config-updates";r=\d+;t=\d+$/);
    expect(put.body).toMatchObject({
      version: 2,
      selectedOptions: [{ offerId: 'offer-0001', quantity: 2, attributes: { color: 'red' } }],
      validationSummary: { valid: true, errors: [], warnings: [] },
    });

    const stale = await alice.put(id, 1, [{ offerId: 'offer-0002', quantity: 1 }]);
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain(PROBLEM);
    expect((await alice.get(id)).body.selectedOptions).toEqual(put.body.selectedOptions);

    const finalized = await alice.finalize(id, 2);
    expect(finalized.status).toBe(200);
    expect(finalized.headers.get('etag')).toBe('"3"');
    expect(finalized.body).toEqual({
      sessionId: id,
      configurationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'FINALIZED',
      version: 3,
    });
    const configuration = await alice.configuration(finalized.body.configurationId);
    expect(configuration.status).toBe(200);
    expect(configuration.body).toEqual({
      configurationId: finalized.body.configurationId,
      sessionId: id,
      ownerSub: 'alice',
      status: 'FINALIZED',
      catalogVersion: 2,
      selectedOptions: [{ offerId: 'offer-0001', quantity: 2, attributes: { color: 'red' } }],
      version: 3,
      finalizedAt: expect.any(String),
    });
    // any user of the tenant reads configurations
    const bob = await ConfigClient.of(svc.url, tenant, 'bob');
    expect((await bob.configuration(finalized.body.configurationId)).status).toBe(200);

    const after = await alice.get(id);
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toBe('"3"');
    expect(after.body).toMatchObject({ status: 'FINALIZED', version: 3, expiresAt: null });
    const late = await alice.put(id, 3, []);
    expect(late.status).toBe(409);
    const again = await alice.finalize(id, 3);
    expect(again.status).toBe(409);
    expect(again.body.configurationId).toBe(finalized.body.configurationId);
  });

  it('creates a session on an explicit catalog version; an unknown version or no catalog at all is 422', async () => {
    const onV1 = await alice.create({ catalogVersion: 1 });
    expect([onV1.status, onV1.body.catalogVersion]).toEqual([201, 1]);
    // offer-0004 exists in v2 only: the session validates against its own version
    const put = await alice.put(onV1.body.sessionId, 1, [{ offerId: 'offer-0004', quantity: 1 }]);
    expect(put.body.validationSummary.errors).toEqual([
      { code: 'OFFER_UNKNOWN', offerId: 'offer-0004', message: expect.any(String) },
    ]);
    const unknown = await alice.create({ catalogVersion: 99 });
    expect(unknown.status).toBe(422);
    expect(unknown.headers.get('content-type')).toContain(PROBLEM);
    const empty = await ConfigClient.of(svc.url, newTenant());
    expect((await empty.create()).status).toBe(422);
  });

  it('refuses a finalize of an empty or invalid selection with 409 and the validation summary', async () => {
    const id = await alice.newSession();
    const empty = await alice.finalize(id, 1);
    expect(empty.status).toBe(409);
    await alice.put(id, 1, [{ offerId: 'ghost', quantity: 1 }]);
    const invalid = await alice.finalize(id, 2);
    expect(invalid.status).toBe(409);
    expect(invalid.body.validationSummary.errors.map((e: { code: string }) => e.code)).toEqual([
      'OFFER_UNKNOWN',
    ]);
    // still a draft, still editable at the same version
    expect((await alice.put(id, 2, [{ offerId: 'offer-0000', quantity: 1 }])).status).toBe(200);
  });

  it('If-Match: missing is 428, a weak or other tag 412, a malformed one 400, and nothing changes', async () => {
    const id = await alice.newSession();
    const missing = await alice.put(id, undefined, []);
    expect([missing.status, missing.body.type]).toEqual([
      428,
      'https://cpq.dev/problems/precondition-required',
    ]);
    expect((await alice.put(id, undefined, [], { 'if-match': 'W/"1"' })).status).toBe(412);
    expect((await alice.put(id, undefined, [], { 'if-match': '"2"' })).status).toBe(412);
    for (const bad of ['1', '"one"', '"1", "2"'])
      expect((await alice.put(id, undefined, [], { 'if-match': bad })).status).toBe(400);
    expect((await alice.finalize(id, undefined)).status).toBe(428);
    const read = await alice.get(id);
    expect([read.body.version, read.body.status]).toEqual([1, 'DRAFT']);
  });

  it('another user of the tenant gets 404 on every session route; another tenant 403; no token 401', async () => {
    const id = await alice.newSession();
    const bob = await ConfigClient.of(svc.url, tenant, 'bob');
    expect((await bob.get(id)).status).toBe(404);
    expect((await bob.put(id, 1, [])).status).toBe(404);
    expect((await bob.finalize(id, 1)).status).toBe(404);
    const unknown = await alice.get('0190a4a1-7d2c-7b3e-8f00-000000000000');
    expect(unknown.status).toBe(404);
    const mallory = new ConfigClient(svc.url, tenant, await token(newTenant(), 'alice'));
    for (const response of [
      await mallory.get(id),
      await mallory.put(id, 1, []),
      await mallory.finalize(id, 1),
      await mallory.create(),
      await mallory.configuration(id),
    ])
      expect(response.status).toBe(403);
    const anonymous = new ConfigClient(svc.url, tenant, '');
    expect((await anonymous.get(id)).status).toBe(401);
    expect((await alice.get(id)).body.version).toBe(1);
  });

  it('bad inputs on every route are 4xx problem+json and change nothing', async () => {
    const id = await alice.newSession();
    const base = `/v1/tenants/${tenant}`;
    const bearer = alice.bearer;
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ offerId: `o${i}`, quantity: 1 }));
    const cases: [string, string, { body?: unknown; rawBody?: string; headers?: Record<string, string> }][] =
      [
        ['POST', `${base}/config-sessions`, { body: { catalogVersion: 0 } }],
        ['POST', `${base}/config-sessions`, { body: { catalogVersion: '1' } }],
        ['POST', `${base}/config-sessions`, { body: { catalogVersion: 1, extra: true } }],
        ['POST', `${base}/config-sessions`, { rawBody: '{"catalogVersion":' }],
        ['POST', `/v1/tenants/Bad_Tenant/config-sessions`, { body: {} }],
        ['GET', `${base}/config-sessions/not-a-uuid`, {}],
        ['GET', `${base}/configurations/not-a-uuid`, {}],
        ['POST', `${base}/config-sessions/not-a-uuid/finalize`, { headers: { 'if-match': '"1"' } }],
        ...(
          [
            { selectedOptions: [{ offerId: 'offer-0001', quantity: 0 }] },
            { selectedOptions: [{ offerId: 'offer-0001', quantity: 1.5 }] },
            { selectedOptions: [{ offerId: 'offer-0001', quantity: 100_001 }] },
            { selectedOptions: [{ offerId: 'Offer 1', quantity: 1 }] },
            { selectedOptions: [{ offerId: 'offer-0001', quantity: 1, price: 3 }] },
            { selectedOptions: [{ offerId: 'offer-0001', quantity: 1, attributes: { a: { nested: 1 } } }] },
            { selectedOptions: tooMany },
            { selectedOptions: 'offer-0001' },
            {},
            { selectedOptions: [], more: 1 },
          ] as unknown[]
        ).map(
          (body) =>
            ['PUT', `${base}/config-sessions/${id}/selections`, { body, headers: { 'if-match': '"1"' } }] as [
              string,
              string,
              { body: unknown; headers: Record<string, string> },
            ],
        ),
        [
          'PUT',
          `${base}/config-sessions/${id}/selections`,
          { rawBody: '{"selectedOptions":[', headers: { 'if-match': '"1"' } },
        ],
        [
          'PUT',
          `${base}/config-sessions/${id}/selections`,
          {
            rawBody: JSON.stringify({
              selectedOptions: [{ offerId: 'a', quantity: 1, attributes: { x: 'y'.repeat(300_000) } }],
            }),
            headers: { 'if-match': '"1"' },
          },
        ],
      ];
    for (const [method, path, options] of cases) {
      const response = await call(svc.url, method, path, { token: bearer, ...options });
      expect(
        response.status,
        `${method} ${path} ${JSON.stringify(options).slice(0, 120)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('content-type')).toContain(PROBLEM);
    }
    const read = await alice.get(id);
    expect([read.body.version, read.body.selectedOptions]).toEqual([1, []]);
  });
});

describe('config-service rate limit of selection updates', () => {
  it('counts updates per user (300/min by default; 3 here): the next one is 429 with Retry-After, nothing written', async () => {
    const appEnv = newAppEnv();
    const catalog = await startCatalog(appEnv);
    const svc = await startConfig(appEnv, catalog.url, { CONFIG_UPDATES_PER_MIN: '3' });
    const tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(2));
    const alice = await ConfigClient.of(svc.url, tenant, 'alice');
    const id = await alice.newSession();
    for (let v = 1; v <= 3; v++) {
      const ok = await alice.put(id, v, [{ offerId: 'offer-0000', quantity: v }]);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"config-updates";r=${3 - v};t=\\d+$`));
    }
    const refused = await alice.put(id, 4, [{ offerId: 'offer-0000', quantity: 9 }]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toBe('"config-updates";q=3;w=60');
    expect(refused.body).toMatchObject({
      type: 'https://cpq.dev/problems/quota-exceeded',
      'violated-policies': ['config-updates'],
    });
    expect((await alice.get(id)).body.version).toBe(4);
    // another user has a quota of their own
    const bob = await ConfigClient.of(svc.url, tenant, 'bob');
    const bobs = await bob.newSession();
    expect((await bob.put(bobs, 1, [])).status).toBe(200);
  });
});
