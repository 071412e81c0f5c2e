import { countQueries } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { uniqueId } from '../../../test/support/unique';
import {
  call,
  newAppEnv,
  offers,
  publish,
  startCatalog,
  token,
  type CatalogInstance,
} from './catalog-fixture';
import { readsCatalogData, waitUntil } from './edge-cases';

const REDIS_CHECKS = ['redis-cache', 'redis-rate', 'redis-session'] as const;
/** What one read may take while Redis is dead: PostgreSQL only, no waiting on Redis timeouts or reconnects. */
const DEGRADED_READ_BUDGET_MS = 500;

/**
 * One catalog instance whose three Redis workloads all point at a private redis-server that the tests kill
 * (SIGKILL) and restart: reads and publishes keep working from PostgreSQL, and caching resumes afterwards.
 * The steps build on each other, so they run in order in one describe.
 */
describe('catalog-service with Redis killed and restarted (private redis-server, real PostgreSQL and Kafka)', () => {
  let redis: RedisProcess;
  let svc: CatalogInstance;
  const tenant = uniqueId('t').slice(0, 40);
  let reader: string;
  const base = `/v1/tenants/${tenant}/catalog`;

  const timed = async (path: string) => {
    const started = performance.now();
    const response = await call(svc.url, 'GET', path, { token: reader });
    return { ...response, ms: performance.now() - started };
  };

  /** The catalog statements a block of work sends to PostgreSQL. */
  const catalogQueriesDuring = async (work: () => Promise<void>) => {
    const queries = countQueries(svc.runtime.database);
    try {
      await work();
      return queries.statements.filter(readsCatalogData);
    } finally {
      queries.stop();
    }
  };

  const readiness = async () => call(svc.url, 'GET', '/health/ready');

  beforeAll(async () => {
    redis = await startRedisProcess();
    svc = await startCatalog(
      // No Kafka consumers here: the pre-warm group is shared by every instance of every test file, and an
      // instance on a Redis that is about to die would take (and lose) other files' pre-warm events. The
      // publisher drops this instance's current-version pointer itself, which is all these tests rely on.
      {
        REDIS_CACHE_URL: redis.url,
        REDIS_RATE_URL: redis.url,
        REDIS_SESSION_URL: redis.url,
        CATALOG_EVENTS: 'off',
      },
      newAppEnv(),
    );
    reader = await token(tenant);
  });

  afterAll(async () => {
    await svc?.close();
    await redis?.stop();
  }, 30_000);

  it('serves a second read of an offer from Redis while Redis is up', async () => {
    const ready = await readiness();
    expect(ready.status).toBe(200);
    for (const check of REDIS_CHECKS) expect(ready.body.checks[check], check).toBe('up');
    expect(await publish(svc.url, tenant, offers(5))).toMatchObject({ catalogVersion: 1, offerCount: 5 });
    const path = `${base}/versions/1/offers/offer-0003`;
    const first = await catalogQueriesDuring(async () => {
      const response = await timed(path);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ offerId: 'offer-0003', displayName: 'Offer 3' });
    });
    // a cold key: the first read loads from PostgreSQL (a pre-warm of v1 has nothing to warm from)
    expect(first.length).toBeGreaterThan(0);
    const second = await catalogQueriesDuring(async () => {
      const response = await timed(path);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ offerId: 'offer-0003', displayName: 'Offer 3' });
    });
    expect(second).toEqual([]);
  });

  it('keeps answering reads from PostgreSQL, quickly and correctly, once Redis is killed', async () => {
    const killedPid = redis.pid;
    await redis.stop();
    expect(redis.running).toBe(false);
    expect(() => process.kill(killedPid!, 0)).toThrow(); // really gone

    const statements = await catalogQueriesDuring(async () => {
      // twice each: the second read of what was cached before must not wait on Redis either
      for (let round = 0; round < 2; round++) {
        const current = await timed(base);
        expect(current.status, JSON.stringify(current.body)).toBe(200);
        expect(current.body.currentVersion).toBe(1);
        expect(current.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);

        const cached = await timed(`${base}/versions/1/offers/offer-0003`);
        expect(cached.status, JSON.stringify(cached.body)).toBe(200);
        expect(cached.body).toEqual(offers(5)[3]);
        expect(cached.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);

        const byCurrent = await timed(`${base}/offers/offer-0001`);
        expect(byCurrent.status, JSON.stringify(byCurrent.body)).toBe(200);
        expect(byCurrent.headers.get('catalog-version')).toBe('1');
        expect(byCurrent.body).toEqual(offers(5)[1]);
        expect(byCurrent.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);

        const page = await timed(`${base}/versions/1/offers?limit=2&cursor=offer-0001`);
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        expect(page.body).toEqual({ items: [offers(5)[2], offers(5)[3]], nextCursor: 'offer-0003' });
        expect(page.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);

        const missing = await timed(`${base}/versions/1/offers/offer-0099`);
        expect(missing.status).toBe(404);
        expect(missing.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);
      }
    });
    // the answers came from PostgreSQL (Redis is gone)
    expect(statements.filter((sql) => /"catalog"\."offers"/.test(sql)).length).toBeGreaterThanOrEqual(6);
  });

  it('stays ready with the Redis checks degraded while Redis is down', async () => {
    const started = performance.now();
    const ready = await readiness();
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.status).toBe('degraded');
    for (const check of REDIS_CHECKS) expect(ready.body.checks[check], check).toBe('degraded');
    expect(ready.body.checks.postgres).toBe('up');
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it('publishes the next version while Redis is down, and serves it at once', async () => {
    const started = performance.now();
    const next = await call(svc.url, 'POST', `${base}/versions`, {
      token: await token(tenant, ['catalog:admin']),
      body: { offers: offers(3, 'down') },
    });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body).toMatchObject({ catalogVersion: 2, offerCount: 3 });
    expect(performance.now() - started).toBeLessThan(2_000);

    const current = await timed(base);
    expect(current.body).toEqual({ currentVersion: 2, publishedAt: next.body.publishedAt });
    expect(current.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);
    const offer = await timed(`${base}/offers/down-0002`);
    expect(offer.status, JSON.stringify(offer.body)).toBe(200);
    expect(offer.headers.get('catalog-version')).toBe('2');
    expect(offer.body).toEqual(offers(3, 'down')[2]);
    expect(offer.ms).toBeLessThan(DEGRADED_READ_BUDGET_MS);
    const page = await timed(`${base}/versions/2/offers`);
    expect(page.body).toEqual({ items: offers(3, 'down'), nextCursor: null });
    // v1 is immutable and still readable
    expect((await timed(`${base}/versions/1/offers/offer-0004`)).body).toEqual(offers(5)[4]);
  });

  it('caches again once Redis is restarted and the connections are back', async () => {
    await redis.restart();
    await waitUntil(
      async () => {
        const ready = await readiness();
        return ready.status === 200 && REDIS_CHECKS.every((check) => ready.body.checks?.[check] === 'up');
      },
      15_000,
      'all Redis checks up',
    );
    expect((await readiness()).body.status).toBe('up');

    // The restarted server is empty: the first read loads (and fills), the second is a hit.
    for (const path of [`${base}/versions/2/offers/down-0001`, `${base}/versions/1/offers/offer-0000`]) {
      const first = await catalogQueriesDuring(async () => {
        const response = await timed(path);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
      });
      expect(first.length, `first read of ${path}`).toBeGreaterThan(0);
      const hits = await catalogQueriesDuring(async () => {
        for (let i = 0; i < 5; i++) {
          const response = await timed(path);
          expect(response.status).toBe(200);
        }
      });
      expect(hits, `reads of ${path} after the fill`).toEqual([]);
    }
    const page = await timed(`${base}/versions/2/offers?limit=2`);
    expect(page.body.items.map((o: { offerId: string }) => o.offerId)).toEqual(['down-0000', 'down-0001']);
    const pageHits = await catalogQueriesDuring(
      async () => void (await timed(`${base}/versions/2/offers?limit=2`)),
    );
    expect(pageHits).toEqual([]);
  });
});
