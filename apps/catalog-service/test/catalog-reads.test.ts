import { newEnvelope, TOPICS } from '@cpq/contracts';
import { countQueries } from '@cpq/platform';
import { KyselyCatalogRepository } from '../src/adapters/kysely-catalog.repository';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../../test/support/unique';
import {
  call,
  degradationsOf,
  grown,
  offers,
  publish,
  startCatalog,
  token,
  total,
  type CatalogInstance,
} from './catalog-fixture';

const readsCatalogData = (sql: string) => /"catalog"\."(offers|tenant_catalogs|catalog_versions)"/.test(sql);

const waitUntil = async (condition: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('catalog-service reads (two instances, real PostgreSQL, Redis and Kafka)', () => {
  let a: CatalogInstance;
  let b: CatalogInstance;

  beforeAll(async () => {
    [a, b] = await Promise.all([startCatalog(), startCatalog()]);
  });

  it('publishes v1 and reads it back by version, current version and page', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const published = await publish(a.url, tenant, offers(3));
    expect(published).toMatchObject({ catalogVersion: 1, offerCount: 3 });
    const reader = await token(tenant);
    const current = await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader });
    expect(current.body).toEqual({ currentVersion: 1, publishedAt: published.publishedAt });
    const offer = await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0001`, {
      token: reader,
    });
    expect(offer.status).toBe(200);
    expect(offer.headers.get('catalog-version')).toBe('1');
    expect(offer.body).toMatchObject({ offerId: 'offer-0001', displayName: 'Offer 1', status: 'ACTIVE' });
    const byVersion = await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/1/offers/offer-0002`, {
      token: reader,
    });
    expect(byVersion.body.offerId).toBe('offer-0002');
    const page1 = await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/1/offers?limit=2`, {
      token: reader,
    });
    expect(page1.body.items.map((o: { offerId: string }) => o.offerId)).toEqual(['offer-0000', 'offer-0001']);
    expect(page1.body.nextCursor).toBe('offer-0001');
    const page2 = await call(
      a.url,
      'GET',
      `/v1/tenants/${tenant}/catalog/versions/1/offers?limit=2&cursor=offer-0001`,
      { token: reader },
    );
    expect(page2.body).toEqual({
      items: [expect.objectContaining({ offerId: 'offer-0002' })],
      nextCursor: null,
    });
  });

  it('answers 404 problems for no catalog, an unknown version and an unknown offer', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    const none = await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader });
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    await publish(a.url, tenant, offers(1));
    expect(
      (
        await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/9/offers/offer-0000`, {
          token: reader,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/1/offers/nope`, { token: reader }))
        .status,
    ).toBe(404);
    expect(
      (await call(a.url, 'GET', `/v1/tenants/${tenant}/catalog/versions/9/offers`, { token: reader })).status,
    ).toBe(404);
  });

  it('serves v2 on instance B within 1 s of publishing it on instance A', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(2));
    // B caches v1 as the current version (Redis and its near-cache)
    expect(
      (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader })).body.currentVersion,
    ).toBe(1);
    expect(
      (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader })).body.currentVersion,
    ).toBe(1);
    await publish(a.url, tenant, offers(2, 'next'));
    const published = Date.now();
    await waitUntil(
      async () =>
        (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader })).body.currentVersion ===
        2,
      1_000,
    );
    expect(Date.now() - published).toBeLessThan(1_000);
    const offer = await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/next-0001`, {
      token: reader,
    });
    expect(offer.headers.get('catalog-version')).toBe('2');
  });

  it('drops the cached current version on every instance from the Kafka event alone (no Pub/Sub hint)', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(2));
    await new Promise((r) => setTimeout(r, 1_500)); // v1's own event has reached every instance
    expect(
      (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader })).body.currentVersion,
    ).toBe(1);
    // Publish v2 straight through the repository: no instance invalidates anything itself, only the outbox
    // event (relayed to Kafka, consumed by every instance's broadcast consumer) can move B to v2.
    const repository = new KyselyCatalogRepository(a.runtime.database.db as never);
    await repository.publish(tenant, offers(1, 'direct') as never, 'test-request', (p) =>
      newEnvelope({
        topic: TOPICS.catalogPublished,
        tenantId: tenant,
        aggregateId: `v${p.catalogVersion}`,
        payload: {
          catalogVersion: p.catalogVersion,
          publishedAt: p.publishedAt,
          offers: [{ offerId: 'direct-0000', status: 'ACTIVE' }],
        },
      }),
    );
    // the relays poll every 250 ms; the pointer's own TTL (10 s) is far longer than this wait
    await waitUntil(
      async () =>
        (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog`, { token: reader })).body.currentVersion ===
        2,
      3_000,
    );
  });

  it('answers a cache hit without any PostgreSQL query', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(2));
    const path = `/v1/tenants/${tenant}/catalog/versions/1/offers/offer-0001`;
    expect((await call(b.url, 'GET', path, { token: reader })).status).toBe(200); // miss: fills Redis
    const queries = countQueries(b.runtime.database);
    try {
      for (let i = 0; i < 20; i++)
        expect((await call(b.url, 'GET', path, { token: reader })).status).toBe(200);
      // the outbox relay's polling and the consumers' inbox run meanwhile; no read of catalog data may
      expect(queries.statements.filter(readsCatalogData)).toEqual([]);
    } finally {
      queries.stop();
    }
  });

  it('runs one PostgreSQL query per process for 500 concurrent reads of a cold offer', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(3));
    const path = `/v1/tenants/${tenant}/catalog/versions/1/offers/offer-0002`;
    const families = ['catalog-offer'];
    const degradedBefore = await Promise.all([a.url, b.url].map((url) => degradationsOf(url, families)));
    const queriesA = countQueries(a.runtime.database);
    const queriesB = countQueries(b.runtime.database);
    try {
      const responses = await Promise.all(
        Array.from({ length: 500 }, (_, i) => call(i % 2 ? a.url : b.url, 'GET', path, { token: reader })),
      );
      expect(responses.every((r) => r.status === 200 && r.body.offerId === 'offer-0002')).toBe(true);
      const offerQueries = (q: typeof queriesA) => q.statements.filter(readsCatalogData).length;
      // One query per process while Redis answers within its budget; a read whose command fails or times out (a
      // starved machine) goes to PostgreSQL instead of waiting, by design: each failure the instance counts may
      // add one query, and a query beyond them would be single-flight failing.
      for (const [i, queries] of [queriesA, queriesB].entries()) {
        const degraded = grown(await degradationsOf([a.url, b.url][i]!, families), degradedBefore[i]!);
        expect(
          offerQueries(queries),
          `queries of instance ${'ab'[i]} with degradations ${JSON.stringify(degraded)}`,
        ).toBeLessThanOrEqual(1 + total(degraded));
      }
      expect(offerQueries(queriesA) + offerQueries(queriesB)).toBeGreaterThanOrEqual(1);
    } finally {
      queriesA.stop();
      queriesB.stop();
    }
  });

  it('gives concurrent publishes of one tenant consecutive versions', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => publish(i % 2 ? a.url : b.url, tenant, offers(2))),
    );
    expect(results.map((r) => r.catalogVersion).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
