import { parseConfig } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LARGEST_FAMILY_BUDGET_MS,
  median,
  withProductionRedisBudgets,
} from '../../../test/support/production-budgets';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { listenForTest, serviceTestEnv } from '../../../test/support/service-instance';
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

/** How long the servers stay hung: past the 1 s after which the runtime drops a stuck connection. */
const HANG_MS = 3_000;
/** Redis waits one calculation may chain while Redis hangs (rate script, pointer, price, entry, price write). */
const REDIS_WAITS_PER_CALCULATION = 5;
/** Room for a busy 2-core machine; a wait on a hung socket (2 s, ioredis closing it) must still fail the bound. */
const FACTOR = 3;
const CEILING_MS = 1_500;
const INSURANCE_LIMIT = 6;

async function startInstance(appEnv: string, env: Record<string, string>): Promise<PricingInstance> {
  const vars = withProductionRedisBudgets(
    serviceTestEnv(appEnv, SECRET, { PRICING_PROJECTION_REPLAY: 'off', PRICING_EVENTS: 'off', ...env }),
  );
  return listenForTest(await createPricingApp(parseConfig(pricingConfigSchema, vars), { env: vars }));
}

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  contentType: string | null;
  body: any;
}

/**
 * pricing-service on production's Redis budgets (20-30 ms) with its cache and rate workloads on private
 * redis-servers that the test hangs (SIGSTOP) for three seconds under continuous calculations: the rate limit
 * fails closed (the insurance budget, then 503 with Retry-After), every answer arrives within the budgets plus
 * the PostgreSQL path (measured in the same test on an instance without the price cache), and a publish takes as
 * long as it does with Redis up.
 */
describe('pricing-service with its cache and rate Redis hung (SIGSTOP), production budgets', () => {
  let cacheServer: RedisProcess;
  let rateServer: RedisProcess;
  let svc: PricingInstance;
  let postgresOnly: PricingInstance;
  const tenant = newTenant();
  const entries = [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 1000 }];

  const timedCalculate = async (instance: PricingInstance, quantity: number, sub = 'user-1') => {
    const started = performance.now();
    const response = await calculate(instance.url, tenant, { ...baseRequest, quantity }, sub);
    return {
      status: response.status,
      ms: performance.now() - started,
      retryAfter: response.headers.get('retry-after'),
      contentType: response.headers.get('content-type'),
      body: response.body,
    } satisfies Answer;
  };
  const publishTimed = async () => {
    const started = performance.now();
    const response = await call(svc.url, 'POST', `/v1/tenants/${tenant}/pricebooks/versions`, {
      token: await admin(tenant),
      body: { entries },
    });
    return { status: response.status, ms: performance.now() - started };
  };

  beforeAll(async () => {
    [cacheServer, rateServer] = await Promise.all([startRedisProcess(), startRedisProcess()]);
    const appEnv = newAppEnv();
    svc = await startInstance(appEnv, {
      REDIS_CACHE_URL: cacheServer.url,
      REDIS_RATE_URL: rateServer.url,
      PRICING_RATE_INSURANCE_LIMIT: String(INSURANCE_LIMIT),
      PRICING_RATE_INSURANCE_WINDOW_SECONDS: '60',
    });
    postgresOnly = await startInstance(appEnv, { PRICING_CACHE: 'off' });
  });

  afterAll(async () => {
    cacheServer?.resume();
    rateServer?.resume();
    await svc?.close();
    await postgresOnly?.close();
    await Promise.all([cacheServer?.stop(), rateServer?.stop()]);
  }, 30_000);

  it('spends the insurance budget then answers 503, each answer within the budgets plus the PostgreSQL path; publishes as fast', async () => {
    await setOfferStatus(svc, tenant, { 'fiber-1g': 'ACTIVE' });
    await setOfferStatus(postgresOnly, tenant, { 'fiber-1g': 'ACTIVE' });
    expect((await publishTimed()).status).toBe(201);
    for (const quantity of [1, 2, 3]) expect((await timedCalculate(svc, quantity)).status).toBe(200);

    // The PostgreSQL path of a calculation, now: the same code computing from PostgreSQL every time.
    const postgresPath: number[] = [];
    for (let quantity = 1; quantity <= 12; quantity++) {
      const answer = await timedCalculate(postgresOnly, quantity);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      postgresPath.push(answer.ms);
    }
    const bound = Math.min(
      CEILING_MS,
      FACTOR * (median(postgresPath) + REDIS_WAITS_PER_CALCULATION * LARGEST_FAMILY_BUDGET_MS),
    );
    const publishUp = Math.max(
      ...[await publishTimed(), await publishTimed()].map((p) => {
        expect(p.status).toBe(201);
        return p.ms;
      }),
    );

    cacheServer.pause();
    rateServer.pause();
    const answers: Answer[] = [];
    let publishHung: { status: number; ms: number } | undefined;
    try {
      const until = performance.now() + HANG_MS;
      const loop = async (caller: number) => {
        for (let i = 0; performance.now() < until; i++) {
          answers.push(await timedCalculate(svc, 1 + ((caller * 7 + i) % 20), `user-${caller}`));
        }
      };
      const publishMidway = async () => {
        await new Promise((r) => setTimeout(r, HANG_MS / 2));
        publishHung = await publishTimed();
      };
      await Promise.all([loop(0), loop(1), loop(2), loop(3), publishMidway()]);
    } finally {
      cacheServer.resume();
      rateServer.resume();
    }

    // fail-closed: the tenant's insurance budget (one process, one window), then 503 problems with Retry-After
    expect(answers.filter((a) => a.status === 200)).toHaveLength(INSURANCE_LIMIT);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(10);
    for (const answer of refused) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    for (const answer of answers.filter((a) => a.status === 200)) {
      expect(answer.body).toMatchObject({ offerId: 'fiber-1g', amountMinor: 1000 * answer.body.quantity });
    }
    const slow = answers.filter((a) => a.ms >= bound);
    expect(
      slow.map((a) => `${a.status} in ${a.ms.toFixed(0)} ms`),
      `bound ${bound.toFixed(0)} ms (PostgreSQL path ${median(postgresPath).toFixed(0)} ms)`,
    ).toEqual([]);
    expect(publishHung?.status).toBe(201);
    expect(
      publishHung!.ms,
      `publish with Redis hung ${publishHung!.ms.toFixed(0)} ms, up ${publishUp.toFixed(0)} ms`,
    ).toBeLessThan(
      Math.min(CEILING_MS, FACTOR * publishUp + REDIS_WAITS_PER_CALCULATION * LARGEST_FAMILY_BUDGET_MS),
    );
  });
});
