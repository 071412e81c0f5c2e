import { parseConfig } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withProductionRedisBudgets } from '../../../test/support/production-budgets';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { RedisServerStates } from '../../../test/support/redis-server-states';
import {
  cacheEventsOf,
  listenForTest,
  serviceTestEnv,
  type CallResult,
} from '../../../test/support/service-instance';
import { pricingConfigSchema } from '../src/config';
import { createPricingApp } from '../src/pricing-app';
import {
  admin,
  baseRequest,
  calculate,
  call,
  newAppEnv,
  newTenant,
  SECRET,
  setOfferStatus,
  type PricingInstance,
} from './pricing-fixture';

const INSURANCE_LIMIT = 3;
const USER_LIMIT = 1000;
/** One more than the insurance: the calls that must end in a clear 503 when the rate Redis cannot decide. */
const CALLS = INSURANCE_LIMIT + 3;
const entries = [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 1000 }];

/**
 * pricing-service on production budgets, its cache and rate workloads on private redis-servers put into the
 * states in which Redis refuses commands for its own reasons: OOM under `noeviction`, READONLY (a replica),
 * LOADING (a replica loading a full resync), NOSCRIPT (after `SCRIPT FLUSH`). Calculations fall back (computed
 * from PostgreSQL; the rate limit's insurance budget) or end in a 503 problem with Retry-After, never a 500;
 * publishes succeed.
 */
describe('pricing-service when its Redis servers refuse commands for their own state (private servers)', () => {
  let cacheServer: RedisProcess;
  let rateServer: RedisProcess;
  let svc: PricingInstance;
  const states = new RedisServerStates();

  beforeAll(async () => {
    [cacheServer, rateServer] = await Promise.all([startRedisProcess(), startRedisProcess()]);
    const vars = withProductionRedisBudgets(
      serviceTestEnv(newAppEnv(), SECRET, {
        REDIS_CACHE_URL: cacheServer.url,
        REDIS_RATE_URL: rateServer.url,
        PRICING_EVENTS: 'off',
        PRICING_PROJECTION_REPLAY: 'off',
        PRICING_RATE_INSURANCE_LIMIT: String(INSURANCE_LIMIT),
        PRICING_RATE_INSURANCE_WINDOW_SECONDS: '60',
        PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT),
        PRICING_TENANT_LIMIT_PER_MIN: String(USER_LIMIT * 10),
      }),
    );
    svc = await listenForTest(await createPricingApp(parseConfig(pricingConfigSchema, vars), { env: vars }));
  });

  afterAll(async () => {
    await svc?.close();
    await states.close();
    await Promise.all([cacheServer?.stop(), rateServer?.stop()]);
  }, 30_000);

  const publish = async (tenant: string) =>
    call(svc.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, {
      token: await admin(tenant),
      body: { entries },
    });

  /** A fresh tenant (its own insurance budget) with a price book and one cached calculation. */
  const freshTenant = async () => {
    const tenant = newTenant();
    await setOfferStatus(svc, tenant, { 'fiber-1g': 'ACTIVE' });
    expect((await publish(tenant)).status).toBe(201);
    expect((await calculate(svc.url, tenant, baseRequest)).status).toBe(200);
    return tenant;
  };

  /** A correct price, or a 503 problem with Retry-After: anything else (a 500) fails. */
  const expectFallbackOrClear503 = (answer: CallResult, quantity: number) => {
    const where = `${answer.status} ${JSON.stringify(answer.body)}`;
    if (answer.status === 200) {
      expect(answer.body, where).toMatchObject({
        offerId: 'fiber-1g',
        quantity,
        amountMinor: 1000 * quantity,
      });
      return;
    }
    expect(answer.status, where).toBe(503);
    expect(answer.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
    expect(answer.body, where).toMatchObject({
      status: 503,
      type: expect.any(String),
      title: expect.any(String),
    });
    expect(Number(answer.headers.get('retry-after')), where).toBeGreaterThanOrEqual(1);
  };

  /** `CALLS` calculations (the first one cached before), checked one by one; their statuses in order. */
  const calculations = async (tenant: string, whileTrue: () => Promise<boolean> = async () => true) => {
    const statuses: number[] = [];
    for (let i = 0; i < CALLS && (await whileTrue()); i++) {
      const quantity = baseRequest.quantity + i;
      const answer = await calculate(svc.url, tenant, { ...baseRequest, quantity });
      expectFallbackOrClear503(answer, quantity);
      statuses.push(answer.status);
    }
    return statuses;
  };

  /** The rate Redis could not decide: exactly the insurance budget answered, then 503s. */
  const insuranceThen503 = [
    ...Array<number>(INSURANCE_LIMIT).fill(200),
    ...Array<number>(CALLS - INSURANCE_LIMIT).fill(503),
  ];

  /** Price writes the instance saw fail (the server refused them), so far. */
  const failedWrites = async () => (await cacheEventsOf(svc.url, 'price'))['set_failure'] ?? 0;

  it('OOM under noeviction: prices still computed within the insurance budget, then 503; publishes succeed', async () => {
    const tenant = await freshTenant();
    const restore = await Promise.all([states.outOfMemory(cacheServer), states.outOfMemory(rateServer)]);
    try {
      await expect(states.admin(rateServer).set('probe', '1')).rejects.toThrow(/^OOM/);
      const before = await failedWrites();
      expect(await calculations(tenant)).toEqual(insuranceThen503);
      expect(await failedWrites()).toBeGreaterThan(before);
      expect((await publish(tenant)).status).toBe(201);
    } finally {
      for (const undo of restore) await undo();
    }
  });

  it('READONLY (the servers made replicas): the same, and publishes succeed', async () => {
    const tenant = await freshTenant();
    const restore = await states.readOnly([cacheServer, rateServer]);
    try {
      await expect(states.admin(cacheServer).set('probe', '1')).rejects.toThrow(/^READONLY/);
      const before = await failedWrites();
      expect(await calculations(tenant)).toEqual(insuranceThen503);
      expect(await failedWrites()).toBeGreaterThan(before);
      expect((await publish(tenant)).status).toBe(201);
    } finally {
      await restore();
    }
  });

  it('LOADING (replicas loading a full resync): prices computed from PostgreSQL within the insurance budget, then 503', async () => {
    const tenant = await freshTenant();
    const { loaded } = await states.loading([cacheServer, rateServer]);
    let statuses: number[];
    let published: number;
    try {
      await expect(states.admin(cacheServer).get('probe')).rejects.toThrow(/^LOADING/);
      const bothLoading = async () =>
        (await states.isLoading(cacheServer)) && (await states.isLoading(rateServer));
      statuses = await calculations(tenant, bothLoading);
      published = (await publish(tenant)).status;
    } finally {
      await loaded();
    }
    expect(statuses, 'every call made while both servers were loading').toEqual(insuranceThen503);
    expect(published).toBe(201);
  });

  it('NOSCRIPT after SCRIPT FLUSH: every script is sent again and Redis decides as before', async () => {
    await expect.poll(() => svc.runtime.redis.connection('rate').ready, { timeout: 15_000 }).toBe(true);
    const tenant = await freshTenant();
    await states.flushScripts(rateServer);
    await states.flushScripts(cacheServer);
    for (let i = 0; i < 2; i++) {
      const answer = await calculate(svc.url, tenant, { ...baseRequest, quantity: 40 });
      expectFallbackOrClear503(answer, 40);
      expect(answer.status).toBe(200);
      // decided by Redis (the user's quota), not by the insurance budget
      expect(answer.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=60`);
    }
    // the price was written by the cache's write script, sent again after the flush
    const priceKey = svc.runtime.keys.price(tenant, 1, { ...baseRequest, quantity: 40 }).key;
    expect(await states.admin(cacheServer).exists(priceKey)).toBe(1);
    expect((await publish(tenant)).status).toBe(201);
  });
});
