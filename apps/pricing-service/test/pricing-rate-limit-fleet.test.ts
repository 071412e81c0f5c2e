import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
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

const USER_LIMIT = 5;
const INSURANCE_LIMIT = 4;

/** Fixed windows of 60 s aligned on the minute: start a burst well inside one. */
const awayFromWindowEdge = async (marginS = 8) => {
  const second = new Date().getUTCSeconds();
  if (second >= 60 - marginS) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
};

/** `count` concurrent calculations by one user, spread evenly over the instances; the statuses per instance. */
async function burst(instances: PricingInstance[], tenant: string, sub: string, count: number) {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const at = i % instances.length;
      return calculate(instances[at]!.url, tenant, baseRequest, sub).then((r) => ({ at, status: r.status }));
    }),
  );
  return instances.map((_, at) => responses.filter((r) => r.at === at).map((r) => r.status));
}

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});

async function twoInstances(env: Record<string, string>): Promise<[PricingInstance, PricingInstance]> {
  const appEnv = newAppEnv(); // shared by both: one fleet, one set of rate-limit keys
  const settings = { PRICING_EVENTS: 'off', PRICING_TENANT_LIMIT_PER_MIN: '1000', ...env };
  const pair = await Promise.all([startPricing(settings, appEnv), startPricing(settings, appEnv)]);
  return pair as [PricingInstance, PricingInstance];
}

async function pricedTenant(instances: PricingInstance[]): Promise<string> {
  const tenant = newTenant();
  await publishBook(instances[0]!.url, tenant, [
    { offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 100 },
  ]);
  for (const instance of instances) await setOfferStatus(instance, tenant, { 'fiber-1g': 'ACTIVE' });
  return tenant;
}

describe('pricing-service rate limits across a fleet of two instances', () => {
  it('N + k concurrent requests of one user, spread over both instances, give exactly N 200s', async () => {
    const fleet = await twoInstances({ PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT) });
    const tenant = await pricedTenant(fleet);
    await awayFromWindowEdge();
    const perInstance = await burst(fleet, tenant, 'alice', USER_LIMIT + 25);
    expect(tally(perInstance.flat())).toEqual({ 200: USER_LIMIT, 429: 25 });
    // the rejections consumed nothing: the tenant has counted N requests, the user's counter is exactly N
    const limiter = fleet[0].runtime.limiter;
    const rate = fleet[0].runtime.redis.connection('rate').client;
    expect(
      Number(await rate.get(limiter.keyOf(tenant, { policy: 'pricing-user', subject: 'alice' }).key)),
    ).toBe(USER_LIMIT);
    expect(
      Number(await rate.get(limiter.keyOf(tenant, { policy: 'pricing-tenant', subject: tenant }).key)),
    ).toBe(USER_LIMIT);
  });

  describe('with the rate Redis down (a private server, killed)', () => {
    let rateServer: RedisProcess;
    let fleet: [PricingInstance, PricingInstance];
    let tenant: string;

    beforeAll(async () => {
      rateServer = await startRedisProcess();
      fleet = await twoInstances({
        REDIS_RATE_URL: rateServer.url,
        PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT),
        PRICING_RATE_INSURANCE_LIMIT: String(INSURANCE_LIMIT),
        PRICING_RATE_INSURANCE_WINDOW_SECONDS: '60',
      });
      tenant = await pricedTenant(fleet);
    });

    afterAll(async () => {
      await Promise.all(fleet?.map((instance) => instance.close()) ?? []);
      await rateServer?.stop();
    }, 30_000);

    it('the fleet admits at most instances x insurance budget, and answers the rest 503', async () => {
      await rateServer.stop();
      const perInstance = await burst(fleet, tenant, 'bob', 40);
      const admitted = perInstance.flat().filter((s) => s === 200).length;
      expect(admitted).toBeLessThanOrEqual(fleet.length * INSURANCE_LIMIT);
      // each instance got 20 requests, more than its budget: each spent exactly its own budget
      for (const statuses of perInstance) expect(tally(statuses)).toEqual({ 200: INSURANCE_LIMIT, 503: 16 });
      // later requests, another user of the tenant included, find the budgets spent (the tenant's is per process too)
      const again = await burst(fleet, tenant, 'carol', 10);
      expect(tally(again.flat())).toEqual({ 503: 10 });
    });
  });
});
