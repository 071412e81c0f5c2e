import { countQueries } from '@cpq/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheEventsOf, redisCommandsOf } from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';
import { call, offers, publish, startCatalog, token, type CatalogInstance } from './catalog-fixture';

const delta = (after: Record<string, number>, before: Record<string, number>, event: string) =>
  (after[event] ?? 0) - (before[event] ?? 0);

describe('catalog-service with the offer near-cache on (CATALOG_OFFER_NEAR_CACHE=on)', () => {
  let a: CatalogInstance;
  let b: CatalogInstance;

  beforeAll(async () => {
    // Sampled reads tallied in process are sent once a minute here: none leaves while a test counts commands.
    const near = {
      CATALOG_OFFER_NEAR_CACHE: 'on',
      CATALOG_NEAR_CACHE_TTL_MS: '30000',
      CATALOG_HOT_SAMPLE_RATE: '1',
      CATALOG_HOT_KEYS_FLUSH_MS: '60000',
    };
    [a, b] = await Promise.all([startCatalog(near), startCatalog(near)]);
  });

  it('answers repeated current-offer reads from memory: no Redis command and no PostgreSQL query', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(3));
    // v1's own event drops the pointer on every instance once; let it pass before counting.
    await new Promise((r) => setTimeout(r, 1_500));
    const path = `/v1/tenants/${tenant}/catalog/offers/offer-0002`;
    const first = await call(b.url, 'GET', path, { token: reader });
    expect(first.status).toBe(200);
    const [offersBefore, pointerBefore] = await Promise.all([
      cacheEventsOf(b.url, 'catalog-offer'),
      cacheEventsOf(b.url, 'catalog-current'),
    ]);
    const offerFamilies = ['catalog-offer', 'catalog-hot-offers'];
    const [offerCommandsBefore, pointerCommandsBefore] = await Promise.all([
      redisCommandsOf(b.url, offerFamilies),
      redisCommandsOf(b.url, ['catalog-current']),
    ]);
    const queries = countQueries(b.runtime.database);
    try {
      for (let i = 0; i < 25; i++) {
        const again = await call(b.url, 'GET', path, { token: reader });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        expect(again.headers.get('catalog-version')).toBe('1');
      }
      expect(queries.statements.filter((s) => s.includes('"catalog"."offers"'))).toEqual([]);
    } finally {
      queries.stop();
    }
    const [offersAfter, pointerAfter] = await Promise.all([
      cacheEventsOf(b.url, 'catalog-offer'),
      cacheEventsOf(b.url, 'catalog-current'),
    ]);
    expect(delta(offersAfter, offersBefore, 'near_hit')).toBe(25);
    for (const event of ['hit', 'miss', 'fallback']) expect(delta(offersAfter, offersBefore, event)).toBe(0);
    // The pointer too, but for at most one reload: v1's own event, if it is late, drops it on every instance once.
    const pointerNear = delta(pointerAfter, pointerBefore, 'near_hit');
    const pointerReloads =
      delta(pointerAfter, pointerBefore, 'hit') + delta(pointerAfter, pointerBefore, 'miss');
    expect(pointerNear + pointerReloads).toBe(25);
    expect(pointerReloads).toBeLessThanOrEqual(1);
    // Every read was sampled (rate 1) into the in-process tally: still no command, not even for the hot-offer set.
    expect((await redisCommandsOf(b.url, offerFamilies)) - offerCommandsBefore).toBe(0);
    const pointerCommands = (await redisCommandsOf(b.url, ['catalog-current'])) - pointerCommandsBefore;
    expect(pointerReloads === 0 ? pointerCommands : 0).toBe(0);
    await b.runtime.hotOffers.flush();
    const hotSet = `${b.runtime.config.APP_ENV}:catalog-service:${tenant}:catalog:hot-offers:v1`;
    expect(Number(await b.runtime.redis.connection('cache').client.zscore(hotSet, 'offer-0002'))).toBe(26);
  });

  it('moves an instance holding v1 in memory to v2 within 1 s of a publish on another instance', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(2));
    const path = `/v1/tenants/${tenant}/catalog/offers/offer-0001`;
    for (let i = 0; i < 2; i++) {
      const held = await call(b.url, 'GET', path, { token: reader });
      expect(held.headers.get('catalog-version')).toBe('1');
    }
    const renamed = offers(2).map((offer) => ({ ...offer, displayName: 'Renamed in v2' }));
    await publish(a.url, tenant, renamed);
    const published = Date.now();
    let answer = await call(b.url, 'GET', path, { token: reader });
    while (answer.headers.get('catalog-version') !== '2' && Date.now() - published < 1_000) {
      await new Promise((r) => setTimeout(r, 25));
      answer = await call(b.url, 'GET', path, { token: reader });
    }
    expect(answer.headers.get('catalog-version')).toBe('2');
    expect(answer.body.displayName).toBe('Renamed in v2');
  });

  it('answers 404 for an unknown offer while the current version is held in memory', async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const reader = await token(tenant);
    await publish(a.url, tenant, offers(1));
    expect(
      (await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0000`, { token: reader })).status,
    ).toBe(200);
    const missing = await call(b.url, 'GET', `/v1/tenants/${tenant}/catalog/offers/offer-0099`, {
      token: reader,
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
