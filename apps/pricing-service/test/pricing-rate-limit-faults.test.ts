import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import {
  baseRequest,
  calculate,
  call,
  newAppEnv,
  newTenant,
  publishBook,
  setOfferStatus,
  startPricing,
  type PricingInstance,
} from './pricing-fixture';

const USER_LIMIT = 3;
const TENANT_LIMIT = 1000; // far above what the tests send: the per-user policy is the one that bites
const INSURANCE_LIMIT = 4;
/**
 * The calculate policies' window. Not configurable: `pricingRateLimitPolicies` hard-codes `windowSeconds: 60`
 * (src/application/price-rate-limit.ts, both policies) and the config has per-minute limits only, so
 * "allowed again after the window" waits for the end of the current minute (up to 60 s).
 */
const WINDOW_S = 60;

/** Fixed windows of 60 s aligned on the minute (Redis TIME, same host clock): start well inside one. */
const awayFromWindowEdge = async (marginS = 8) => {
  const second = new Date().getUTCSeconds();
  if (second >= WINDOW_S - marginS) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
};
const windowEndOf = (ms: number) => Math.floor(ms / (WINDOW_S * 1000)) * WINDOW_S * 1000 + WINDOW_S * 1000;

/**
 * One pricing instance whose rate workload is a private redis-server that the tests really kill (SIGKILL) and
 * restart; cache and session stay on the shared test Redis. The steps build on each other and run in order.
 */
describe('pricing-service rate limits at the boundary and with the rate Redis killed and restarted', () => {
  let rateServer: RedisProcess;
  let a: PricingInstance;
  let tenant: string;

  const userKey = (sub: string, t = tenant) =>
    a.runtime.limiter.keyOf(t, { policy: 'pricing-user', subject: sub }).key;
  const tenantKey = (t = tenant) => a.runtime.limiter.keyOf(t, { policy: 'pricing-tenant', subject: t }).key;

  /** A counter straight from the private rate server (a fresh connection: the server is restarted below). */
  const counter = async (key: string): Promise<number | null> => {
    const client = new Redis(rateServer.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    try {
      await client.connect();
      const value = await client.get(key);
      return value === null ? null : Number(value);
    } finally {
      client.disconnect();
    }
  };

  beforeAll(async () => {
    rateServer = await startRedisProcess();
    a = await startPricing(
      {
        REDIS_RATE_URL: rateServer.url,
        PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT),
        PRICING_TENANT_LIMIT_PER_MIN: String(TENANT_LIMIT),
        PRICING_RATE_INSURANCE_LIMIT: String(INSURANCE_LIMIT),
      },
      newAppEnv(),
    );
    tenant = newTenant();
    await publishBook(a.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 100 }]);
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
  });

  afterAll(async () => {
    await a?.close();
    await rateServer?.stop();
  }, 30_000);

  it(
    'allows request N, rejects N+1 with 429 and a Retry-After within the window, and allows again after it',
    async () => {
      await awayFromWindowEdge();
      for (let i = 1; i <= USER_LIMIT; i++) {
        const ok = await calculate(a.url, tenant, baseRequest, 'alice');
        expect(ok.status, `request ${i}`).toBe(200);
        expect(ok.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=${WINDOW_S}`);
        expect(ok.headers.get('ratelimit')).toMatch(
          new RegExp(`^"pricing-user";r=${USER_LIMIT - i};t=\\d+$`),
        );
        expect(ok.headers.get('retry-after')).toBeNull();
      }
      const sentAt = Date.now();
      const rejected = await calculate(a.url, tenant, baseRequest, 'alice');
      const answeredAt = Date.now();
      expect(rejected.status).toBe(429);
      expect(rejected.headers.get('content-type')).toContain('application/problem+json');
      expect(rejected.body).toMatchObject({
        type: 'https://cpq.dev/problems/quota-exceeded',
        status: 429,
        'violated-policies': ['pricing-user'],
      });
      expect(rejected.headers.get('ratelimit')).toMatch(/^"pricing-user";r=0;t=\d+$/);
      const retryAfter = Number(rejected.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      // Redis decided at some instant in [sentAt, answeredAt]; the window ends on the next minute boundary
      const windowEnd = windowEndOf(sentAt);
      expect(windowEndOf(answeredAt)).toBe(windowEnd); // no boundary crossed (else the 429 would be wrong)
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((windowEnd - sentAt) / 1000));
      expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((windowEnd - answeredAt) / 1000));
      expect(rejected.headers.get('ratelimit')).toBe(`"pricing-user";r=0;t=${retryAfter}`);

      // the rejection consumed nothing: alice's counter and the tenant's stay at N
      expect(await counter(userKey('alice'))).toBe(USER_LIMIT);
      expect(await counter(tenantKey())).toBe(USER_LIMIT);

      // still rejected just before the window ends
      const early = windowEnd - Date.now() - 1500;
      if (early > 0) await new Promise((r) => setTimeout(r, early));
      expect((await calculate(a.url, tenant, baseRequest, 'alice')).status).toBe(429);

      // Retry-After later: a new window, alice is allowed again with a full budget
      await new Promise((r) => setTimeout(r, Math.max(0, windowEnd + 50 - Date.now())));
      const again = await calculate(a.url, tenant, baseRequest, 'alice');
      expect(again.status).toBe(200);
      expect(again.headers.get('ratelimit')).toMatch(
        new RegExp(`^"pricing-user";r=${USER_LIMIT - 1};t=\\d+$`),
      );
      const reset = Number(/t=(\d+)$/.exec(again.headers.get('ratelimit')!)![1]);
      expect(reset).toBeGreaterThan(WINDOW_S - 10); // a window that has only just begun
      expect(reset).toBeLessThanOrEqual(WINDOW_S);
    },
    WINDOW_S * 1000 + 30_000,
  );

  it("a user over the per-user limit does not consume another user's budget", async () => {
    await awayFromWindowEdge();
    for (let i = 1; i <= USER_LIMIT; i++) {
      expect((await calculate(a.url, tenant, baseRequest, 'bob')).status).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      const over = await calculate(a.url, tenant, baseRequest, 'bob');
      expect(over.status).toBe(429);
      expect(over.body['violated-policies']).toEqual(['pricing-user']);
    }
    const tenantBefore = await counter(tenantKey());
    // carol: her full budget, counted down from N-1 exactly as if bob had never asked
    for (let i = 1; i <= USER_LIMIT; i++) {
      const ok = await calculate(a.url, tenant, baseRequest, 'carol');
      expect(ok.status, `carol ${i}`).toBe(200);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"pricing-user";r=${USER_LIMIT - i};t=\\d+$`));
    }
    expect((await calculate(a.url, tenant, baseRequest, 'carol')).status).toBe(429);
    expect(await counter(userKey('bob'))).toBe(USER_LIMIT);
    expect(await counter(userKey('carol'))).toBe(USER_LIMIT);
    // only allowed requests counted on the tenant: carol's N, none of the 4 rejections
    expect(await counter(tenantKey())).toBe(tenantBefore! + USER_LIMIT);
  });

  it('with the rate Redis process killed: exactly the insurance budget passes, then 503 with Retry-After', async () => {
    const insurance = {
      limit: a.runtime.config.PRICING_RATE_INSURANCE_LIMIT,
      windowSeconds: a.runtime.config.PRICING_RATE_INSURANCE_WINDOW_SECONDS,
    };
    expect(insurance.limit).toBe(INSURANCE_LIMIT);

    const killedPid = rateServer.pid!;
    await rateServer.stop();
    expect(rateServer.running).toBe(false);
    expect(() => process.kill(killedPid, 0)).toThrow(); // really gone

    for (let i = 1; i <= insurance.limit; i++) {
      const ok = await calculate(a.url, tenant, baseRequest, 'dave');
      expect(ok.status, `insured request ${i}`).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toMatch(
        new RegExp(`^"pricing-(tenant|user)";q=${insurance.limit};w=${insurance.windowSeconds}$`),
      );
      expect(ok.headers.get('ratelimit')).toMatch(
        new RegExp(`^"pricing-(tenant|user)";r=${insurance.limit - i};t=\\d+$`),
      );
    }
    const unavailable = await calculate(a.url, tenant, baseRequest, 'dave');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('content-type')).toContain('application/problem+json');
    expect(unavailable.body).toMatchObject({
      type: 'https://cpq.dev/problems/service-unavailable',
      status: 503,
    });
    const retryAfter = Number(unavailable.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(insurance.windowSeconds);
    // the tenant's insurance is spent too (per subject and process): another user of the tenant waits as well
    const eve = await calculate(a.url, tenant, baseRequest, 'eve');
    expect(eve.status).toBe(503);
    // another tenant has its own insurance: admitted (404, no price book there)
    const other = await calculate(a.url, newTenant(), baseRequest, 'dave');
    expect(other.status).toBe(404);
    // degraded, still ready
    const ready = await call(a.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks['redis-rate']).not.toBe('up');
    expect(ready.body.checks['redis-cache']).toBe('up');
  });

  it('restarted: once the client has reconnected, Redis decides again (normal RateLimit headers)', async () => {
    await rateServer.restart();
    expect(rateServer.running).toBe(true);
    const connection = a.runtime.redis.connection('rate');
    await expect.poll(() => connection.ready, { timeout: 15_000, interval: 50 }).toBe(true);
    await awayFromWindowEdge();

    // dave was refused a moment ago: the fresh, empty server gives him a full Redis budget again
    for (let i = 1; i <= USER_LIMIT; i++) {
      const ok = await calculate(a.url, tenant, baseRequest, 'dave');
      expect(ok.status, `dave ${i}`).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=${WINDOW_S}`);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"pricing-user";r=${USER_LIMIT - i};t=\\d+$`));
    }
    const over = await calculate(a.url, tenant, baseRequest, 'dave');
    expect(over.status).toBe(429); // a Redis decision: the insurance would answer 503
    expect(over.body['violated-policies']).toEqual(['pricing-user']);
    expect(await counter(userKey('dave'))).toBe(USER_LIMIT);
    expect(await counter(tenantKey())).toBe(USER_LIMIT);
    const ready = await call(a.url, 'GET', '/health/ready');
    expect(ready.body.checks['redis-rate']).toBe('up');
  });
});
