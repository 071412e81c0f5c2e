import { countQueries, parseConfig } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withProductionRedisBudgets } from '../../../test/support/production-budgets';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { RedisServerStates } from '../../../test/support/redis-server-states';
import { cacheEventsOf, listenForTest, serviceTestEnv } from '../../../test/support/service-instance';
import { uniqueId } from '../../../test/support/unique';
import { CatalogKeys } from '../src/application/catalog-keys';
import { createCatalogApp } from '../src/catalog-app';
import { catalogConfigSchema } from '../src/config';
import { admin, call, newAppEnv, offers, SECRET, token, type CatalogInstance } from './catalog-fixture';
import { readsCatalogData } from './edge-cases';

/**
 * catalog-service on production budgets, its cache and rate workloads on private redis-servers put into the
 * states in which Redis refuses commands for its own reasons: OOM under `noeviction`, READONLY (a replica),
 * LOADING (a replica loading a full resync), NOSCRIPT (after `SCRIPT FLUSH`). Every read answers from PostgreSQL
 * when Redis cannot serve or store it, never with a 500, and publishes succeed.
 */
describe('catalog-service when its Redis servers refuse commands for their own state (private servers)', () => {
  let cacheServer: RedisProcess;
  let rateServer: RedisProcess;
  let svc: CatalogInstance;
  const states = new RedisServerStates();

  beforeAll(async () => {
    [cacheServer, rateServer] = await Promise.all([startRedisProcess(), startRedisProcess()]);
    // No Kafka consumers: the publisher drops this instance's pointer itself (see catalog-redis-down.test.ts).
    const vars = withProductionRedisBudgets(
      serviceTestEnv(newAppEnv(), SECRET, {
        REDIS_CACHE_URL: cacheServer.url,
        REDIS_RATE_URL: rateServer.url,
        CATALOG_EVENTS: 'off',
      }),
    );
    svc = await listenForTest(await createCatalogApp(parseConfig(catalogConfigSchema, vars), { env: vars }));
  });

  afterAll(async () => {
    await svc?.close();
    await states.close();
    await Promise.all([cacheServer?.stop(), rateServer?.stop()]);
  }, 30_000);

  /** A fresh tenant with one published version, one offer and one page of it read (cached) before. */
  const freshTenant = async () => {
    const tenant = uniqueId('t').slice(0, 40);
    const published = await publish(tenant);
    expect(published.status).toBe(201);
    const reader = await token(tenant);
    const base = `/v1/tenants/${tenant}/catalog`;
    for (const path of [`${base}/versions/1/offers/offer-0000`, `${base}/versions/1/offers?limit=2`]) {
      expect((await call(svc.url, 'GET', path, { token: reader })).status).toBe(200);
    }
    return { tenant, reader, base };
  };
  const publish = async (tenant: string) =>
    call(svc.url, 'POST', `/v1/tenants/${tenant}/catalog/versions`, {
      token: await admin(tenant),
      body: { offers: offers(6) },
    });

  /** Reads of what was cached and what was not; each must answer correctly. Returns how many were made. */
  const readsAnswer = async (
    { tenant, reader, base }: Awaited<ReturnType<typeof freshTenant>>,
    whileTrue: () => Promise<boolean> = async () => true,
  ) => {
    const expected: [string, unknown][] = [
      [`${base}/versions/1/offers/offer-0000`, offers(6)[0]],
      [`${base}/versions/1/offers/offer-0004`, offers(6)[4]],
      [`${base}/versions/1/offers?limit=2`, { items: offers(6).slice(0, 2), nextCursor: 'offer-0001' }],
      [
        `${base}/versions/1/offers?limit=2&cursor=offer-0003`,
        { items: offers(6).slice(4, 6), nextCursor: null },
      ],
      [`${base}/offers/offer-0005`, offers(6)[5]],
    ];
    let made = 0;
    for (const [path, body] of expected) {
      if (!(await whileTrue())) break;
      const response = await call(svc.url, 'GET', path, { token: reader });
      expect(response.status, `${tenant} ${path}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(response.body).toEqual(body);
      made++;
    }
    return made;
  };

  /** Cache writes the instance saw fail (the server refused them), so far. */
  const failedWrites = async () => (await cacheEventsOf(svc.url, 'catalog-offer'))['set_failure'] ?? 0;

  it('OOM under noeviction: reads answer (cached ones from Redis, the rest from PostgreSQL); publishes succeed', async () => {
    const tenant = await freshTenant();
    const restore = await Promise.all([states.outOfMemory(cacheServer), states.outOfMemory(rateServer)]);
    try {
      await expect(states.admin(cacheServer).set('probe', '1')).rejects.toThrow(/^OOM/);
      const before = await failedWrites();
      expect(await readsAnswer(tenant)).toBe(5);
      expect(await failedWrites()).toBeGreaterThan(before);
      expect((await publish(tenant.tenant)).status).toBe(201);
    } finally {
      for (const undo of restore) await undo();
    }
  });

  it('READONLY (the servers made replicas): reads answer, publishes succeed', async () => {
    const tenant = await freshTenant();
    const restore = await states.readOnly([cacheServer, rateServer]);
    try {
      await expect(states.admin(cacheServer).set('probe', '1')).rejects.toThrow(/^READONLY/);
      const before = await failedWrites();
      expect(await readsAnswer(tenant)).toBe(5);
      expect(await failedWrites()).toBeGreaterThan(before);
      expect((await publish(tenant.tenant)).status).toBe(201);
    } finally {
      await restore();
    }
  });

  it('LOADING (replicas loading a full resync): reads answer from PostgreSQL, publishes succeed', async () => {
    const tenant = await freshTenant();
    const { loaded } = await states.loading([cacheServer, rateServer]);
    let made: number;
    let published: number;
    try {
      await expect(states.admin(cacheServer).get('probe')).rejects.toThrow(/^LOADING/);
      const bothLoading = async () =>
        (await states.isLoading(cacheServer)) && (await states.isLoading(rateServer));
      made = await readsAnswer(tenant, bothLoading);
      published = (await publish(tenant.tenant)).status;
    } finally {
      await loaded();
    }
    expect(made, 'every read made while both servers were loading').toBe(5);
    expect(published).toBe(201);
  });

  it('NOSCRIPT after SCRIPT FLUSH: the cache and lease scripts are sent again, and what a read fills is a hit next', async () => {
    await expect.poll(() => svc.runtime.redis.connection('cache').ready, { timeout: 15_000 }).toBe(true);
    const tenant = await freshTenant();
    await states.flushScripts(cacheServer);
    await states.flushScripts(rateServer);
    expect(await readsAnswer(tenant)).toBe(5);
    const offerKey = new CatalogKeys(svc.runtime.redis.keys).offer(tenant.tenant, 1, 'offer-0004').key;
    expect(await states.admin(cacheServer).exists(offerKey)).toBe(1);
    const queries = countQueries(svc.runtime.database);
    try {
      const path = `${tenant.base}/versions/1/offers/offer-0004`;
      expect((await call(svc.url, 'GET', path, { token: tenant.reader })).status).toBe(200);
      expect(queries.statements.filter(readsCatalogData)).toEqual([]);
    } finally {
      queries.stop();
    }
  });
});
