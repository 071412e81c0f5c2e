import { countQueries } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { cacheEventsOf } from '../../../test/support/service-instance';
import {
  baseRequest,
  calculate,
  newAppEnv,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

const readsEntries = (statement: string) => statement.includes('"pricing"."price_entries"');

/** `redis_runtime_server_up{workload=...}` from the service's /metrics (INFO on each workload's server). */
async function serverUp(url: string, workload: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^redis_runtime_server_up\\{workload="${workload}"\\} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** What a calculation may take while the cache Redis is dead: PostgreSQL only, no waiting on reconnects. */
const DEGRADED_BUDGET_MS = 500;

/**
 * The price cache's Redis (the cache workload) is a private redis-server that the tests SIGKILL and restart;
 * the rate workload stays up. Calculations keep answering, computed from PostgreSQL, publishes succeed, and the
 * cache is used again once Redis is back. The steps build on each other and run in order.
 */
describe('pricing-service with the cache Redis killed and restarted (private redis-server)', () => {
  let cacheServer: RedisProcess;
  let svc: PricingInstance;
  const tenant = newTenant();
  let cachedV1: any;

  const entryReadsDuring = async (work: () => Promise<void>) => {
    const queries = countQueries(svc.runtime.database);
    try {
      await work();
      return queries.statements.filter(readsEntries);
    } finally {
      queries.stop();
    }
  };

  beforeAll(async () => {
    cacheServer = await startRedisProcess();
    // Own APP_ENV and no Kafka consumers: an instance whose cache is about to die should not take other files'
    // events; the publisher drops this instance's pointer itself.
    svc = await startPricing(
      {
        REDIS_CACHE_URL: cacheServer.url,
        PRICING_EVENTS: 'off',
        REDIS_CACHE_TIMEOUT_MS: '100',
      },
      newAppEnv(),
    );
    await setOfferStatus(svc, tenant, { 'fiber-1g': 'ACTIVE' });
    await publishBook(svc.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 1000 }]);
    cachedV1 = (await calculate(svc.url, tenant, baseRequest)).body;
    expect(cachedV1).toMatchObject({ priceBookVersion: 1, amountMinor: 12000 });
  });

  afterAll(async () => {
    await svc?.close();
    await cacheServer?.stop();
  }, 30_000);

  it('answers from the cache while Redis is up (no entry read)', async () => {
    const reads = await entryReadsDuring(async () => {
      expect((await calculate(svc.url, tenant, baseRequest)).body).toEqual(cachedV1);
    });
    expect(reads).toEqual([]);
    expect(await serverUp(svc.url, 'cache')).toBe(1);
  });

  it('with the cache Redis killed: computes from PostgreSQL, the same amounts, within the budget', async () => {
    const before = await cacheEventsOf(svc.url, 'price');
    expect(before['hit']).toBeGreaterThanOrEqual(1); // the previous test's hit
    await cacheServer.stop();
    const reads = await entryReadsDuring(async () => {
      for (const quantity of [12, 13]) {
        const started = performance.now();
        const response = await calculate(svc.url, tenant, { ...baseRequest, quantity });
        const ms = performance.now() - started;
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ priceBookVersion: 1, amountMinor: 1000 * quantity });
        expect(ms).toBeLessThan(DEGRADED_BUDGET_MS);
      }
    });
    expect(reads.length).toBe(2); // every calculation read its entry: nothing cached
    // counted: the failed reads as fallbacks, the failed writes as set failures (neither failed the answer)
    const after = await cacheEventsOf(svc.url, 'price');
    expect((after['fallback'] ?? 0) - (before['fallback'] ?? 0)).toBeGreaterThanOrEqual(2);
    expect((after['set_failure'] ?? 0) - (before['set_failure'] ?? 0)).toBeGreaterThanOrEqual(1);
    // the scrape still answers, and names the dead workload (its INFO replies are reused for up to 2 s)
    await expect.poll(() => serverUp(svc.url, 'cache'), { timeout: 5000, interval: 500 }).toBe(0);
    expect(await serverUp(svc.url, 'rate')).toBe(1);
  });

  it('publishes while the cache Redis is dead, and the new version is served at once', async () => {
    const published = await publishBook(svc.url, tenant, [
      { offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 2000 },
    ]);
    expect(published.priceBookVersion).toBe(2);
    const response = await calculate(svc.url, tenant, baseRequest);
    expect(response.body).toMatchObject({ priceBookVersion: 2, amountMinor: 24000 });
  });

  it('after a restart (empty Redis) the cache fills again and hits resume', async () => {
    await cacheServer.restart();
    const deadline = Date.now() + 10_000;
    let first: any;
    while (Date.now() < deadline) {
      first = (await calculate(svc.url, tenant, baseRequest)).body;
      const stored = await svc.runtime.redis
        .connection('cache')
        .client.exists(svc.runtime.keys.price(tenant, 2, baseRequest).key)
        .catch(() => 0);
      if (stored === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reads = await entryReadsDuring(async () => {
      const again = (await calculate(svc.url, tenant, baseRequest)).body;
      expect(again).toMatchObject({ priceBookVersion: 2, amountMinor: 24000 });
      expect(again.calculatedAt).toBe(first.calculatedAt); // served from the cache
    });
    expect(reads).toEqual([]);
    await expect.poll(() => serverUp(svc.url, 'cache'), { timeout: 5000, interval: 500 }).toBe(1);
  });
});
