import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigClient,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  startCatalog,
  startConfig,
  type CatalogInstance,
  type ConfigInstance,
} from './config-fixture';

describe('config-service sessions over HTTP', () => {
  const appEnv = newAppEnv();
  let catalog: CatalogInstance;
  let svc: ConfigInstance;

  beforeAll(async () => {
    catalog = await startCatalog(appEnv);
    svc = await startConfig(appEnv, catalog.url);
  });

  it('creates a session on the current catalog version, reads it back, updates it with If-Match', async () => {
    const tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(3));
    const alice = await ConfigClient.of(svc.url, tenant);
    const created = await alice.create();
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.sessionId as string;
    expect(created.headers.get('location')).toBe(alice.path(id));
    expect(created.body).toMatchObject({
      schemaVersion: 1,
      version: 1,
      status: 'DRAFT',
      catalogVersion: 1,
      selectedOptions: [],
      validationSummary: { valid: true, errors: [], warnings: [] },
    });
    const read = await alice.get(id);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    const put = await alice.put(id, 1, [{ offerId: 'offer-0001', quantity: 2 }]);
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"2"');
    expect(put.headers.get('ratelimit-policy')).toBe('"config-updates";q=300;w=60');
    expect(put.body.validationSummary).toEqual({ valid: true, errors: [], warnings: [] });
    const stale = await alice.put(id, 1, [{ offerId: 'offer-0002', quantity: 1 }]);
    expect(stale.status).toBe(412);
    const finalized = await alice.finalize(id, 2);
    expect(finalized.status).toBe(200);
    expect(finalized.body).toMatchObject({ sessionId: id, status: 'FINALIZED', version: 3 });
    const configuration = await alice.configuration(finalized.body.configurationId);
    expect(configuration.status).toBe(200);
    expect(configuration.body).toMatchObject({
      sessionId: id,
      selectedOptions: [{ offerId: 'offer-0001', quantity: 2 }],
    });
    const after = await alice.get(id);
    expect(after.body).toMatchObject({ status: 'FINALIZED', version: 3, expiresAt: null });
    expect((await alice.put(id, 3, [])).status).toBe(409);
  });
});
