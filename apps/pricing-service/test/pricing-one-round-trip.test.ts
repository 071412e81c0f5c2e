import { countQueries } from '@cpq/platform';
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
import { RedisProbe } from './pricing-redis-probe';

/**
 * The calculate hot path waits for one Redis round trip: the rate-limit script (both dimensions in one EVALSHA)
 * goes to the rate workload and the price-cache GET to the cache workload at the same time.
 *
 * Each workload is its own private redis-server, so `INFO commandstats` after `CONFIG RESETSTAT` counts exactly
 * this instance's commands on it. commandstats also counts the commands a Lua script runs (TIME, GET, SET,
 * INCRBY inside `fixedWindow`); `RedisProbe.clientCalls()` subtracts those, as tagged `lua` by MONITOR, and
 * insists that commandstats and MONITOR agree, so what is asserted is what clients sent. What the code sends per cached request (read from price-calculator.service.ts,
 * cache-aside.ts, redis-rate-limiter.ts):
 * - rate: one EVALSHA of `fixedWindow` with both keys (EVAL only after a NOSCRIPT, i.e. once per fresh server);
 * - cache: one GET of the price key. The current price book pointer is near-cached in process for
 *   PRICING_NEAR_CACHE_TTL_MS (here 60 s, so it never expires during a test); once it has expired, a request also
 *   GETs the pointer from Redis first (a second, sequential GET: asserted in the last test). XFetch early refresh
 *   of a price entry (a PostgreSQL load plus a SET) needs `delta·ln(1/rand)` to reach the remaining TTL: with a
 *   load of a few ms and a TTL ≥ 300 s it does not happen. Hot-key tracking on this path is an in-process
 *   tally; its timer (PRICING_HOT_KEYS_FLUSH_MS, here 10 min) sends it, never a request.
 * - no PostgreSQL: the offer's catalog status is held in process (PRICING_OFFER_STATUS_TTL_MS, here 60 s).
 * - nothing else: the instance runs without Kafka consumers (PRICING_EVENTS=off), so no asynchronous pointer
 *   invalidation (DEL + PUBLISH) lands between the reset and the count.
 *
 * Overlap method: `CLIENT PAUSE <ms> ALL` on the rate server. Unlike `DEBUG SLEEP`, its reply comes back at once,
 * so the pause is known to be in force before the request is sent; the EVALSHA then sits unexecuted until the
 * pause ends while the cache server runs normally. A MONITOR connection on each server records when each command
 * executed (server clock; both servers are on this host). The proof is (1) the test sees the cache GET while the
 * HTTP request is still pending and no EVALSHA has executed, and (2) the EVALSHA executed at least half a pause
 * after the GET. A sequential implementation (GET after the rate decision) fails both. The rate command budget is
 * raised above the pause, so the paused script is answered by Redis rather than timed out into insurance.
 */
const PAUSE_MS = 600;
const USER_LIMIT = 3;
const N = 10;

const fiber = {
  offerId: 'fiber-1g',
  currency: 'USD',
  basePriceMinor: 150000,
  termDiscountsBps: { '12': 1000, '36': 1340 },
  segmentAdjustmentsBps: { enterprise: -500 },
  regionAdjustmentsBps: { eu: 250 },
  quantityTiers: [
    { minQuantity: 1, discountBps: 0 },
    { minQuantity: 10, discountBps: 300 },
  ],
};

/** Fixed windows of 60 s: start a sequence well inside one, so no window boundary falls within it. */
const awayFromWindowEdge = async () => {
  const second = new Date().getUTCSeconds();
  if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
};

describe('pricing-service calculate: one Redis round trip (private rate and cache redis-servers)', () => {
  let rateServer: RedisProcess;
  let cacheServer: RedisProcess;
  let rate: RedisProbe;
  let cache: RedisProbe;
  let a: PricingInstance;
  let tenant: string;
  let warm: any;

  const env = (nearCacheTtlMs: number) => ({
    REDIS_RATE_URL: rateServer.url,
    REDIS_CACHE_URL: cacheServer.url,
    PRICING_EVENTS: 'off',
    PRICING_NEAR_CACHE_TTL_MS: String(nearCacheTtlMs),
    PRICING_OFFER_STATUS_TTL_MS: '60000',
    // the tally of calculated requests (pre-warm input) is sent by a timer, never on the request path; a flush
    // landing inside a counted window would be that timer's command, not the request's
    PRICING_HOT_KEYS_FLUSH_MS: '600000',
    PRICING_USER_LIMIT_PER_MIN: String(USER_LIMIT),
    REDIS_RATE_TIMEOUT_MS: '5000',
  });

  const resetBoth = () => Promise.all([rate.reset(), cache.reset()]);

  /** Sends one request with the rate server paused; records what each server saw while it was pending. */
  const pausedRequest = async (instance: PricingInstance, body: object, sub: string) => {
    await resetBoth();
    expect(await rate.admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL')).toBe('OK');
    const pausedAt = Date.now();
    let settledAt: number | undefined;
    const pending = calculate(instance.url, tenant, body, sub).then((r) => {
      settledAt = Date.now();
      return r;
    });
    const firstGet = await cache.waitFor('get', PAUSE_MS);
    const whileGetSeen = {
      settled: settledAt !== undefined,
      evalshaExecuted: rate.seen.some((c) => c.name === 'evalsha' || c.name === 'eval'),
    };
    const response = await pending;
    const evalsha = await rate.waitFor('evalsha', 2000);
    return { pausedAt, settledAt: settledAt!, firstGet, whileGetSeen, response, evalsha };
  };

  beforeAll(async () => {
    [rateServer, cacheServer] = await Promise.all([startRedisProcess(), startRedisProcess()]);
    [rate, cache] = await Promise.all([RedisProbe.open(rateServer.url), RedisProbe.open(cacheServer.url)]);
    a = await startPricing(env(60_000), newAppEnv());
    tenant = newTenant();
    await publishBook(a.url, tenant, [fiber]);
    await setOfferStatus(a, tenant, { 'fiber-1g': 'ACTIVE' });
    // warm: the pointer (Redis + near-cache), the price key, and the script on the rate server (NOSCRIPT → EVAL)
    const first = await calculate(a.url, tenant, baseRequest, 'warm-up');
    expect(first.status).toBe(200);
    const second = await calculate(a.url, tenant, baseRequest, 'warm-up');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    warm = first.body;
  });

  afterAll(async () => {
    await a?.close();
    await Promise.all([rateServer?.stop(), cacheServer?.stop()]);
  }, 30_000);

  it(`sends exactly one EVALSHA (both dimensions) to the rate server and one GET to the cache server per request`, async () => {
    const queries = countQueries(a.runtime.database);
    try {
      await resetBoth();
      queries.reset();
      for (let i = 0; i < N; i++) {
        // a user each: the per-user limit of 3 stays out of the way
        const response = await calculate(a.url, tenant, baseRequest, `counted-${i}`);
        expect(response.status, `request ${i}`).toBe(200);
        expect(response.body).toEqual(warm); // the cached value (same calculatedAt)
        expect(response.headers.get('ratelimit-policy')).toBe(`"pricing-user";q=${USER_LIMIT};w=60`);
      }
      expect(await rate.clientCalls()).toEqual({ evalsha: N });
      expect(await cache.clientCalls()).toEqual({ get: N });
      // every EVALSHA carried both dimensions (2 keys: tenant and user), every GET the price key
      const priceKey = a.runtime.keys.price(tenant, 1, baseRequest).key;
      const tenantKey = a.runtime.limiter.keyOf(tenant, { policy: 'pricing-tenant', subject: tenant }).key;
      await expect.poll(() => rate.seen.length).toBe(N);
      for (const [i, call] of rate.seen.entries()) {
        expect(call.name).toBe('evalsha');
        expect(call.args[1]).toBe('2');
        expect(call.args[2]).toBe(tenantKey);
        expect(call.args[3]).toBe(
          a.runtime.limiter.keyOf(tenant, { policy: 'pricing-user', subject: `counted-${i}` }).key,
        );
      }
      await expect.poll(() => cache.seen.length).toBe(N);
      expect(cache.seen.map((c) => [c.name, c.args[0]])).toEqual(Array(N).fill(['get', priceKey]));
      // PostgreSQL: nothing (the offer status is held in process since the warm-up; no entry, no pointer)
      expect(queries.statements).toEqual([]);
    } finally {
      queries.stop();
    }
  });

  it('issues the cache GET while the rate script is still pending (rate server paused)', async () => {
    const run = await pausedRequest(a, baseRequest, 'overlap-allowed');
    expect(run.firstGet, 'the cache GET arrived during the pause').toBeDefined();
    expect(run.firstGet!.args[0]).toBe(a.runtime.keys.price(tenant, 1, baseRequest).key);
    expect(run.whileGetSeen).toEqual({ settled: false, evalshaExecuted: false });
    expect(run.firstGet!.serverMs - run.pausedAt).toBeLessThan(PAUSE_MS / 2);
    expect(run.response.status).toBe(200);
    expect(run.response.body).toEqual(warm);
    expect(run.response.headers.get('ratelimit')).toMatch(/^"pricing-user";r=2;t=\d+$/); // decided by Redis
    expect(run.evalsha, 'the script ran once the pause ended').toBeDefined();
    expect(run.evalsha!.serverMs - run.firstGet!.serverMs).toBeGreaterThan(PAUSE_MS / 2);
    expect(run.settledAt - run.pausedAt).toBeGreaterThanOrEqual(PAUSE_MS - 50);
    expect(await rate.clientCalls()).toEqual({ evalsha: 1 });
    expect(await cache.clientCalls()).toEqual({ get: 1 });
  });

  it('a request rejected with 429 issued the same parallel cache GET, and nothing else', async () => {
    await awayFromWindowEdge();
    for (let i = 0; i < USER_LIMIT; i++) {
      expect((await calculate(a.url, tenant, baseRequest, 'over-quota')).status).toBe(200);
    }
    const queries = countQueries(a.runtime.database);
    try {
      const run = await pausedRequest(a, baseRequest, 'over-quota');
      expect(run.response.status).toBe(429);
      expect(run.response.body['violated-policies']).toEqual(['pricing-user']);
      expect(run.firstGet, 'the cache GET arrived during the pause').toBeDefined();
      expect(run.whileGetSeen).toEqual({ settled: false, evalshaExecuted: false });
      expect(run.evalsha!.serverMs - run.firstGet!.serverMs).toBeGreaterThan(PAUSE_MS / 2);
      // the discarded read is the only cache command; the rejected request wrote nothing and read no table
      expect(await rate.clientCalls()).toEqual({ evalsha: 1 });
      expect(await cache.clientCalls()).toEqual({ get: 1 });
      expect(queries.statements).toEqual([]);
    } finally {
      queries.stop();
    }
  });

  // Regression: a rejected request whose price was not cached used to run the price loader (a price-entry read
  // and a cache SET) while the decision was pending. The first test records such a request, the second states
  // what it may have done: one discarded GET, nothing else.
  let coldRejected: { statements: string[]; cacheCalls: Record<string, number> } | undefined;

  it('a rejected request for an uncached price is rejected with 429 (recorded for the next test)', async () => {
    await awayFromWindowEdge();
    for (let i = 0; i < USER_LIMIT; i++) {
      expect((await calculate(a.url, tenant, baseRequest, 'cold-over-quota')).status).toBe(200);
    }
    const cold = { ...baseRequest, quantity: 77 }; // a price key nobody has read yet
    const queries = countQueries(a.runtime.database);
    try {
      await resetBoth();
      const rejected = await calculate(a.url, tenant, cold, 'cold-over-quota');
      expect(rejected.status).toBe(429);
      expect(rejected.body['violated-policies']).toEqual(['pricing-user']);
      await new Promise((r) => setTimeout(r, 300)); // let a background load finish, if any
      coldRejected = { statements: [...queries.statements], cacheCalls: await cache.clientCalls() };
      expect(await rate.clientCalls()).toEqual({ evalsha: 1 });
    } finally {
      queries.stop();
    }
  });

  it('...that rejected request touched no PostgreSQL table and wrote no cache entry', () => {
    expect(coldRejected).toBeDefined();
    expect(coldRejected!.statements).toEqual([]);
    expect(coldRejected!.cacheCalls).toEqual({ get: 1 });
  });

  // Regression (fixed in pricing.controller.ts): `admitted` rejected with nobody listening when the calculation
  // had not reached `await admitted` yet (pointer lookup still pending) or had already failed (no price book).
  // Node's default --unhandled-rejections=throw then kills the process: an over-quota client could crash it.
  it('a rejected request leaves no unhandled rejection, whether the calculation failed first or is still pending', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      await awayFromWindowEdge();
      // (1) no price book: the calculation fails (404) before it ever awaits admission
      const noBook = newTenant();
      for (let i = 0; i < USER_LIMIT; i++) {
        expect((await calculate(a.url, noBook, baseRequest, 'no-book')).status).toBe(404);
      }
      expect((await calculate(a.url, noBook, baseRequest, 'no-book')).status).toBe(429);

      // (2) the pointer is not near-cached and the cache server is slow: admission is decided first
      const b = await startPricing(env(100), newAppEnv());
      try {
        for (let i = 0; i < USER_LIMIT; i++) {
          expect((await calculate(b.url, tenant, baseRequest, 'slow-pointer')).status).toBe(200);
        }
        await new Promise((r) => setTimeout(r, 150)); // the pointer leaves the near-cache
        expect(await cache.admin.call('CLIENT', 'PAUSE', '150', 'ALL')).toBe('OK');
        expect((await calculate(b.url, tenant, baseRequest, 'slow-pointer')).status).toBe(429);
      } finally {
        await b.close();
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('when the near-cached pointer has expired: a pointer GET, then the price GET, both during the rate call', async () => {
    // a second instance on the same two servers, with the shortest near-cache lifetime the config allows
    const b = await startPricing(env(100), newAppEnv());
    try {
      const first = await calculate(b.url, tenant, baseRequest, 'short-near-cache');
      expect(first.status).toBe(200);
      await new Promise((r) => setTimeout(r, 150)); // the pointer leaves the near-cache
      const run = await pausedRequest(b, baseRequest, 'short-near-cache-2');
      expect(run.response.status).toBe(200);
      expect(run.whileGetSeen).toEqual({ settled: false, evalshaExecuted: false });
      expect(await rate.clientCalls()).toEqual({ evalsha: 1 });
      expect(await cache.clientCalls()).toEqual({ get: 2 });
      const gets = cache.seen.filter((c) => c.name === 'get');
      expect(gets.map((g) => g.args[0])).toEqual([
        b.runtime.keys.current(tenant).key,
        b.runtime.keys.price(tenant, 1, baseRequest).key,
      ]);
      expect(run.evalsha!.serverMs).toBeGreaterThan(gets[1]!.serverMs);

      // with priceBookVersion pinned there is no pointer to look up: one GET, however old the near-cache is
      await new Promise((r) => setTimeout(r, 150));
      await resetBoth();
      const pinned = await calculate(b.url, tenant, { ...baseRequest, priceBookVersion: 1 }, 'pinned');
      expect(pinned.status).toBe(200);
      expect(pinned.body).toEqual(first.body);
      expect(await rate.clientCalls()).toEqual({ evalsha: 1 });
      expect(await cache.clientCalls()).toEqual({ get: 1 });
    } finally {
      await b.close();
    }
  });
});
