import { beforeAll, describe, expect, it } from 'vitest';
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

const USER_LIMIT = 3;
const TENANT_LIMIT = 5;

/** Fixed windows of 60 s: start a sequence well inside one, so no window boundary falls within it. */
const awayFromWindowEdge = async () => {
  const second = new Date().getUTCSeconds();
  if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
};

describe('pricing-service rate limits (dedicated instance with low limits)', () => {
  let a: PricingInstance;
  let tenant: string;
  const premium = newTenant();

  beforeAll(async () => {
    a = await startPricing(
      {
        PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT),
        PRICING_TENANT_LIMIT_PER_MIN: String(TENANT_LIMIT),
        PRICING_TENANT_LIMITS: JSON.stringify({ [premium]: { tenantPerMin: 10, userPerMin: 6 } }),
      },
      newAppEnv(),
    );
    tenant = newTenant();
    await publishBook(a.url, tenant, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 100 }]);
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
  });

  it('allows N per user, rejects N+1 with 429, and leaves other users (and the tenant) their budget', async () => {
    await awayFromWindowEdge();
    for (let i = 1; i <= USER_LIMIT; i++) {
      const ok = await calculate(a.url, tenant, baseRequest, 'alice');
      expect(ok.status, `request ${i}`).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=60`);
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"pricing-user";r=${USER_LIMIT - i};t=\\d+$`));
      expect(ok.headers.get('retry-after')).toBeNull();
    }
    const rejected = await calculate(a.url, tenant, baseRequest, 'alice');
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('content-type')).toContain('application/problem+json');
    expect(rejected.body).toMatchObject({
      type: 'https://cpq.dev/problems/quota-exceeded',
      status: 429,
      'violated-policies': ['pricing-user'],
    });
    expect(Number(rejected.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(rejected.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=60`);
    expect(rejected.headers.get('ratelimit')).toMatch(/^"pricing-user";r=0;t=\d+$/);

    // bob has his own budget; alice's rejected request took nothing from the tenant's 5 (3 used so far)
    expect((await calculate(a.url, tenant, baseRequest, 'bob')).status).toBe(200);
    expect((await calculate(a.url, tenant, baseRequest, 'bob')).status).toBe(200);
    const tenantFull = await calculate(a.url, tenant, baseRequest, 'bob');
    expect(tenantFull.status).toBe(429);
    expect(tenantFull.body['violated-policies']).toEqual(['pricing-tenant']);
    expect(tenantFull.headers.get('ratelimit-policy')).toBe(`"pricing-tenant";q=${TENANT_LIMIT};w=60`);

    // another tenant is unaffected
    const other = newTenant();
    const none = await calculate(a.url, other, baseRequest, 'alice');
    expect(none.status).toBe(404); // admitted (no price book there), with the headers
    expect(none.headers.get('ratelimit')).toMatch(/^"pricing-user";r=2;t=\d+$/);
  });

  it('applies a tenant’s own limits where configured, the defaults elsewhere', async () => {
    await awayFromWindowEdge();
    // the premium tenant: 6 per user and 10 per tenant (its own), above the defaults of 3 and 5
    for (let i = 1; i <= 6; i++) {
      const ok = await calculate(a.url, premium, baseRequest, 'dave');
      expect(ok.status, `request ${i}`).toBe(404); // admitted: no price book there
      expect(ok.headers.get('ratelimit-policy')).toBe('"pricing-user";q=6;w=60');
      expect(ok.headers.get('ratelimit')).toMatch(new RegExp(`^"pricing-user";r=${6 - i};t=\\d+$`));
    }
    const full = await calculate(a.url, premium, baseRequest, 'dave');
    expect(full.status).toBe(429);
    expect(full.body['violated-policies']).toEqual(['pricing-user']);
    // the same user name in a tenant on the defaults: 3 allowed, the 4th rejected
    const regular = newTenant();
    for (let i = 1; i <= USER_LIMIT; i++) {
      expect((await calculate(a.url, regular, baseRequest, 'dave')).status).toBe(404);
    }
    const rejected = await calculate(a.url, regular, baseRequest, 'dave');
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=60`);
  });

  it('refuses to start with malformed per-tenant limits, naming the variable', async () => {
    await expect(startPricing({ PRICING_TENANT_LIMITS: '{"acme": {"userPerMin": 0}}' })).rejects.toThrow(
      /PRICING_TENANT_LIMITS/,
    );
    await expect(startPricing({ PRICING_TENANT_LIMITS: 'not json' })).rejects.toThrow(
      /PRICING_TENANT_LIMITS/,
    );
  });

  it('fails closed: with the rate Redis unreachable, serves the insurance budget, then 503 with Retry-After', async () => {
    const down = await startPricing(
      { REDIS_RATE_URL: 'redis://127.0.0.1:1', PRICING_RATE_INSURANCE_LIMIT: '2' },
      newAppEnv(),
    );
    const t = newTenant();
    await publishBook(down.url, t, [{ offerId: 'fiber-1g', currency: 'USD', basePriceMinor: 100 }]);
    await setOfferStatus(down, t, { 'fiber-1g': 'ACTIVE' });
    expect((await calculate(down.url, t, baseRequest, 'carol')).status).toBe(200);
    expect((await calculate(down.url, t, baseRequest, 'carol')).status).toBe(200);
    const unavailable = await calculate(down.url, t, baseRequest, 'carol');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.type).toBe('https://cpq.dev/problems/service-unavailable');
    expect(Number(unavailable.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
