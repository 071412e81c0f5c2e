// Benchmark (not a test) of POST /v1/tenants/{t}/prices/calculate: pricing-service with its Redis price cache warm,
// the same service with PRICING_CACHE=off (PostgreSQL every time), against a bare Fastify route at its best that
// sends the same Redis work (the rate limiter's fixed-window script on the rate Redis + a GET of the cached price on
// the cache Redis): four variants, `Promise.all` or two awaited commands, ioredis with and without
// `enableAutoPipelining`; each round compares with the fastest. Then p50/p99 at a fixed offered load, and Redis
// commands per request per workload from the servers' INFO commandstats.
// `npm run bench:pricing`; writes .data/bench/pricing.json (`npm run docs:bench` renders it). Needs the
// infrastructure up (`npm run infra -- up`).
//
// Knobs: BENCH_ROUNDS (6), BENCH_DURATION_S (4), BENCH_WARMUP_S (1), BENCH_CONNECTIONS (50), BENCH_FIXED_SHARE
// (0.5 of the best bare variant's req/s), BENCH_FIXED_ROUNDS (2), BENCH_FIXED_DURATION_S (4). Quick check:
// BENCH_ROUNDS=2 BENCH_DURATION_S=1 BENCH_WARMUP_S=0.5 BENCH_FIXED_ROUNDS=1 BENCH_FIXED_DURATION_S=1.
// Experiments (report to .data/bench/experiments/): BENCH_PRELOAD, BENCH_CPU_PROF=on (cached service),
// BENCH_CPU_PROF_INTERVAL_US.
//
// The services run as child processes through @swc-node/register (tsx emits no decorator metadata, NestJS needs
// it), with the default LOG_LEVEL (info: request logging is part of what is measured), stdout to a file, and
// rate limits far above what the load reaches, so nothing is rejected.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { signDevToken } from '@cpq/platform';
import {
  KeyFactory,
  RedisRateLimiter,
  RuntimeMetrics,
  platformKeyFamilyRegistry,
  type RedisConnection,
} from '@cpq/redis-runtime';
import { compilePolicy } from '@cpq/redis-runtime/src/rate-limit/rate-limit-policy';
import { RUNTIME_SCRIPTS } from '@cpq/redis-runtime/src/scripts/script-registry';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import {
  PRICING_TENANT_POLICY,
  PRICING_USER_POLICY,
  pricingRateLimitPolicies,
} from '../src/application/price-rate-limit';
import { PricingKeys } from '../src/application/pricing-keys';
import type { Child } from '../../../test/support/bench-processes';
import {
  BENCH_REPORT_DIR,
  positive,
  ratioOfRounds,
  runBench,
  writeBenchReport,
  type BenchCheck,
  type BenchRatio,
} from '../../../test/support/bench-report';
import {
  bestMedian,
  contenderOf,
  measureFixedLoad,
  measureRounds,
  roundsOf,
  type HttpContender,
} from '../../../test/support/bench-rounds';
import { benchInfra, benchRun, cpuProfileArgs, startService } from '../../../test/support/bench-services';
import {
  addCounts,
  commandStats,
  luaCommandNames,
  splitCommands,
  subtractCounts,
  type CommandCounts,
} from './redis-commands';

const SECRET = 'pricing-bench-secret-pricing-bench-secret';
const ROUNDS = positive('BENCH_ROUNDS', 6);
const DURATION_S = positive('BENCH_DURATION_S', 4);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const FIXED_SHARE = positive('BENCH_FIXED_SHARE', 0.5);
const FIXED_ROUNDS = positive('BENCH_FIXED_ROUNDS', 2);
const FIXED_DURATION_S = positive('BENCH_FIXED_DURATION_S', 4);
/** The config's maximum: 50 connections for a few minutes stay far below it, nothing is rejected. */
const LIMIT_PER_MIN = 10_000_000;
const USER = 'bench-user';
const PRELOAD = process.env.BENCH_PRELOAD;
const CPU_PROF = process.env.BENCH_CPU_PROF === 'on';
const CPU_PROF_INTERVAL_US = positive('BENCH_CPU_PROF_INTERVAL_US', 1000);
const EXPERIMENT = Boolean(PRELOAD || CPU_PROF);

const METHOD = [
  'autocannon, closed loop at saturation: 50 connections on loopback, one request in flight each, a POST with a',
  'JSON body. Each round measures every contender back to back (warm-up discarded, then the measured run), in',
  "alternating order; a contender's figures are medians over the rounds. A ratio is the median of per-round ratios,",
  "each taken against the fastest of the bare route's four variants in that round: the same EVALSHA (the library's",
  "fixed-window script, same keys and ARGV as the service's tenant + user check) on the rate Redis and GET of the",
  'cached price on the cache Redis, sent with Promise.all or awaited one after the other, by ioredis with or',
  'without enableAutoPipelining (two processes, two routes each). Every contender answers 200 with the cached',
  "payload before anything is measured. p50/p99 at saturation from every response's own time. CPU per request: the",
  'serving process (/proc), the load generator, both Redis servers (INFO cpu; shared servers also count other',
  'clients). Commands per request: INFO commandstats before and after each measured run (calls made inside the',
  'scripts apart), over requests sent. Fixed load: an open-loop paced loader releases requests in 1 ms ticks at a',
  "share of the best bare variant's median req/s over the same 50 connections; a request that finds no free",
  'connection queues and its wait counts.',
].join(' ');

const FIBER = {
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
const REQUEST = {
  offerId: 'fiber-1g',
  currency: 'USD',
  termMonths: 36,
  quantity: 12,
  segment: 'enterprise',
  region: 'eu',
};
const BODY = JSON.stringify(REQUEST);

const CACHED = 'service, price cache warm';
const UNCACHED = 'service, PRICING_CACHE=off (PostgreSQL)';

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const { appEnv, tenant, logDir } = benchRun();
  const children: Child[] = [];
  const cacheRedis = new Redis(benchInfra.REDIS_CACHE_URL);
  const rateRedis = new Redis(benchInfra.REDIS_RATE_URL);
  const pg = new Client({ connectionString: benchInfra.DATABASE_URL, application_name: 'pricing-bench' });
  await pg.connect();
  try {
    const service = async (name: string, extra: Record<string, string>, nodeArgs: string[] = []) => {
      const child = await startService({
        name,
        main: 'apps/pricing-service/bench/service-main.ts',
        logDir,
        env: {
          APP_ENV: appEnv,
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: 'info',
          PRICING_TENANT_LIMIT_PER_MIN: String(LIMIT_PER_MIN),
          PRICING_USER_LIMIT_PER_MIN: String(LIMIT_PER_MIN),
          // A new APP_ENV is a new consumer group: replaying every catalog event on the broker only slows the start.
          PRICING_PROJECTION_REPLAY: 'off',
          ...extra,
        },
        nodeArgs,
        ...(PRELOAD ? { preload: PRELOAD } : {}),
      });
      children.push(child);
      return child;
    };

    const started = Date.now();
    // One after another: on a small machine, parallel starts of two Nest apps just fight over the CPU.
    const cached = await service(
      'service-cache-on',
      { PRICING_CACHE: 'on' },
      CPU_PROF ? cpuProfileArgs(logDir, CPU_PROF_INTERVAL_US) : [],
    );
    const uncached = await service('service-cache-off', { PRICING_CACHE: 'off' });
    const startupS = (Date.now() - started) / 1000;

    // Publish a price book through the API with an admin token; mark the offer ACTIVE in the projection.
    const admin = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: 'bench-admin',
      roles: ['pricing:admin'],
    });
    const published = await post(
      `${cached.url}/v1/tenants/${tenant}/pricebooks/versions`,
      { authorization: `Bearer ${admin}` },
      JSON.stringify({ entries: [FIBER, { offerId: 'router', currency: 'EUR', basePriceMinor: 999 }] }),
    );
    if (published.status !== 201) throw new Error(`publish failed: ${published.status} ${published.text}`);
    const version = (JSON.parse(published.text) as { priceBookVersion: number }).priceBookVersion;
    await pg.query(
      `insert into pricing.offer_status (tenant_id, offer_id, status, catalog_version) values ($1, $2, 'ACTIVE', 1)
       on conflict (tenant_id, offer_id) do update set status = excluded.status, catalog_version = excluded.catalog_version`,
      [tenant, REQUEST.offerId],
    );

    const reader = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: USER,
      roles: [],
      ttlSeconds: 3600,
    });
    const auth = { authorization: `Bearer ${reader}` };
    const path = `/v1/tenants/${tenant}/prices/calculate`;

    // Warm the cache with one request, then read what it stored.
    const warm = await post(cached.url + path, auth, BODY);
    if (warm.status !== 200) throw new Error(`warm-up request answered ${warm.status}: ${warm.text}`);
    const keys = new KeyFactory(platformKeyFamilyRegistry(), appEnv);
    const priceKey = new PricingKeys(keys).price(tenant, version, REQUEST).key;
    const raw = await cacheRedis.get(priceKey);
    if (raw === null) throw new Error(`the warm price key ${priceKey} is not in Redis`);
    const stored = JSON.parse(raw) as { payload: unknown };
    const ttl = await cacheRedis.ttl(priceKey);

    // The rate limiter's keys and ARGV for this tenant and user, computed by the library itself.
    const policies = pricingRateLimitPolicies({
      tenantLimitPerMinute: LIMIT_PER_MIN,
      userLimitPerMinute: LIMIT_PER_MIN,
      insurance: { limit: 20, windowSeconds: 10 },
    });
    const keyLimiter = new RedisRateLimiter({
      connection: {} as RedisConnection, // keyOf only; never checks
      keys,
      policies,
      metrics: new RuntimeMetrics({ registry: new Registry() }),
    });
    const dimensions = [
      { policy: PRICING_TENANT_POLICY, subject: tenant },
      { policy: PRICING_USER_POLICY, subject: USER },
    ];
    const rateKeys = dimensions.map((d) => keyLimiter.keyOf(tenant, d).key);
    const compiled = dimensions.map((d) =>
      compilePolicy(
        policies.find((p) => p.name === d.policy)!,
        { get: (n) => keys.familyOf(n) },
      ),
    );
    if (compiled.some((c) => c.script !== 'fixedWindow'))
      throw new Error('the pricing policies are not fixed-window');
    const rateArgv = ['1', ...compiled.flatMap((c) => c.argv)];
    for (const key of rateKeys) {
      if ((await rateRedis.exists(key)) !== 1)
        throw new Error(`rate key ${key} not in the rate Redis after the warm-up request: key shape differs`);
    }
    const script = RUNTIME_SCRIPTS.get('fixedWindow')!;

    const bareProcess = async (autoPipelining: 'on' | 'off') => {
      const child = await startService({
        name: autoPipelining === 'on' ? 'bare-fastify-redis-autopipelining' : 'bare-fastify-redis',
        main: 'apps/pricing-service/bench/bare-route.ts',
        logDir,
        env: {
          BARE_APP_ENV: appEnv,
          BARE_PRICE_BOOK_VERSION: String(version),
          BARE_RATE_KEYS: JSON.stringify(rateKeys),
          BARE_RATE_ARGV: JSON.stringify(rateArgv),
          BARE_AUTO_PIPELINING: autoPipelining,
        },
      });
      children.push(child);
      return child;
    };
    const bare = await bareProcess('off');
    const bareAp = await bareProcess('on');
    const bareVariant = (
      child: Child,
      variant: 'concurrent' | 'sequential',
      label: string,
    ): HttpContender => ({
      name: `bare Fastify, ${label}${child === bareAp ? ', enableAutoPipelining' : ''}`,
      child,
      url: `${child.url}/${variant}${path}`,
      body: BODY,
    });
    const bares = [
      bareVariant(bare, 'concurrent', 'Promise.all of the two'),
      bareVariant(bare, 'sequential', 'two awaited commands'),
      bareVariant(bareAp, 'concurrent', 'Promise.all of the two'),
      bareVariant(bareAp, 'sequential', 'two awaited commands'),
    ];
    const contenders: HttpContender[] = [
      ...bares,
      { name: CACHED, child: cached, url: cached.url + path, headers: auth, body: BODY },
      { name: UNCACHED, child: uncached, url: uncached.url + path, headers: auth, body: BODY },
    ];

    // Every contender answers 200 with the cached payload before anything is measured.
    for (const c of contenders) {
      const answer = await post(c.url, c.headers ?? {}, BODY);
      if (answer.status !== 200) throw new Error(`${c.name} answered ${answer.status}: ${answer.text}`);
      const got = JSON.parse(answer.text) as Record<string, unknown>;
      const want = { ...(stored.payload as Record<string, unknown>) };
      if (c.name === UNCACHED) {
        delete got.calculatedAt; // computed now, not read from the cache
        delete want.calculatedAt;
      }
      if (!isDeepStrictEqual(got, want))
        throw new Error(`${c.name} body differs from the cached payload:\n${answer.text}`);
    }

    console.log(`pricing-service calculate benchmark  (node ${process.version}, ${cpus().length} CPUs)`);
    console.log(`  APP_ENV=${appEnv} price book v${version}, POST ${path.replace(tenant, '{t}')} ${BODY}`);
    console.log(`  price key ${priceKey} (${raw.length} B stored, ttl ${ttl} s)`);
    console.log(
      `  rate keys ${rateKeys.join(', ')}; EVALSHA fixedWindow ${script.sha.slice(0, 12)}… 2 keys, ARGV ${rateArgv.join(' ')}`,
    );
    console.log(
      `  services: LOG_LEVEL=info (stdout -> ${join('.data', 'bench', appEnv)}/*.log), limits ${LIMIT_PER_MIN}/min, startup ${startupS.toFixed(1)} s`,
    );
    if (EXPERIMENT)
      console.log("  EXPERIMENT (not the benchmark's setup): report goes to .data/bench/experiments/");
    console.log(`  bodies checked: 200 and the cached payload from all ${contenders.length}`);
    console.log(
      `  ${ROUNDS} round(s) of ${WARMUP_S} s warm-up + ${DURATION_S} s per contender, ${CONNECTIONS} connections`,
    );

    // What runs inside scripts on each server: the limiter's fixed-window script on the rate server, the hot-price
    // tally (sent by a timer every few seconds) on the cache server. Commands of other scripts are client commands.
    const scriptNames = (name: string) => luaCommandNames([RUNTIME_SCRIPTS.get(name)!.lua]);
    const rateLuaNames = scriptNames('fixedWindow');
    const cacheLuaNames = scriptNames('trackHotKey');
    const counts = new Map(
      contenders.map((c) => [
        c.name,
        { rate: new Map() as CommandCounts, cache: new Map() as CommandCounts, rateLua: 0, sent: 0 },
      ]),
    );
    let before: [CommandCounts, CommandCounts] = [new Map(), new Map()];
    const runs = await measureRounds(contenders, {
      rounds: ROUNDS,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      connections: CONNECTIONS,
      redis: [rateRedis, cacheRedis],
      children,
      before: async () => {
        await sleep(300); // the warm-up's last requests finish before the counters are read
        before = await Promise.all([commandStats(rateRedis), commandStats(cacheRedis)]);
      },
      after: async (c, result) => {
        const [rate, cache] = await Promise.all([commandStats(rateRedis), commandStats(cacheRedis)]);
        const into = counts.get(c.name)!;
        const rateSplit = splitCommands(subtractCounts(rate, before[0]), rateLuaNames);
        into.rateLua += rateSplit.lua;
        addCounts(into.rate, rateSplit.byName);
        addCounts(into.cache, splitCommands(subtractCounts(cache, before[1]), cacheLuaNames).byName);
        into.sent += result.sent;
      },
    });

    const rounds = roundsOf(runs);
    const bareNames = bares.map((b) => b.name);
    const ratios = [
      ratioOfRounds('cached service / best bare route', rounds, CACHED, bareNames, 0.8),
      ratioOfRounds('cached / uncached service', rounds, CACHED, [UNCACHED]),
    ].filter((r): r is BenchRatio => r !== undefined);

    const sum = (c: CommandCounts) => [...c.values()].reduce((a, b) => a + b, 0);
    const breakdown = (c: CommandCounts, sent: number) =>
      [...c]
        .sort((a, b) => b[1] - a[1])
        .map(([name, calls]) => `${name} ${(calls / sent).toFixed(3)}`)
        .join(', ') || 'none';
    const cachedCounts = counts.get(CACHED)!;
    // One command per workload per cached request; the pointer refresh or the hot-price tally (a timer) add a
    // fraction, so "one" means within 1 %.
    const within = (x: number) => Math.abs(x - 1) <= 0.01;
    const ratePerReq = sum(cachedCounts.rate) / cachedCounts.sent;
    const cachePerReq = sum(cachedCounts.cache) / cachedCounts.sent;
    const checks: BenchCheck[] = [
      {
        name: 'cached service, rate Redis commands / request',
        value: ratePerReq,
        expected: '1 (within 1 %)',
        met: within(ratePerReq),
      },
      {
        name: 'cached service, cache Redis commands / request',
        value: cachePerReq,
        expected: '1 (within 1 %)',
        met: within(cachePerReq),
      },
    ];

    const bareMax = bestMedian(rounds, bareNames);
    const fixedLoad = await measureFixedLoad([...bares, contenders.find((c) => c.name === CACHED)!], {
      ratePerSec: Math.round(FIXED_SHARE * bareMax),
      rounds: FIXED_ROUNDS,
      warmupS: WARMUP_S,
      durationS: FIXED_DURATION_S,
      connections: CONNECTIONS,
      children,
    });

    writeBenchReport(
      {
        name: 'pricing',
        title: 'pricing-service: POST /v1/tenants/{t}/prices/calculate',
        startedAt,
        unit: 'req/s',
        method: METHOD,
        settings: {
          rounds: ROUNDS,
          warmupS: WARMUP_S,
          durationS: DURATION_S,
          connections: CONNECTIONS,
          fixedLoadShare: FIXED_SHARE,
          fixedLoadRounds: FIXED_ROUNDS,
          fixedLoadDurationS: FIXED_DURATION_S,
        },
        contenders: contenders.map((c) => contenderOf(c.name, runs.get(c.name)!)),
        ratios,
        fixedLoad,
        checks,
        notes: [
          ...contenders.map((c) => {
            const n = counts.get(c.name)!;
            return `commands per request, ${c.name}: rate ${breakdown(n.rate, n.sent)} (+ ${(n.rateLua / n.sent).toFixed(2)} inside the script); cache ${breakdown(n.cache, n.sent)}`;
          }),
          `fixed load: ${FIXED_SHARE} x ${Math.round(bareMax)} req/s (the best bare variant, median of rounds)`,
        ],
      },
      EXPERIMENT ? join(BENCH_REPORT_DIR, 'experiments') : BENCH_REPORT_DIR,
    );
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    cacheRedis.disconnect();
    rateRedis.disconnect();
    await pg.end().catch(() => undefined);
  }
}

runBench('pricing', main);
