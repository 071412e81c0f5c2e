// Benchmark (not a test) of POST /v1/tenants/{t}/prices/calculate: pricing-service with its Redis price cache warm,
// the same service with PRICING_CACHE=off (PostgreSQL every time), against a bare Fastify route that sends the
// same Redis work (the rate limiter's fixed-window script on the rate Redis + a GET of the cached price on the
// cache Redis), plus Redis commands per request per workload from the servers' INFO commandstats.
// `npm run bench:pricing`; BENCH_DURATION_S (default 4), BENCH_WARMUP_S (1), BENCH_ROUNDS (6),
// BENCH_CONNECTIONS (50), BENCH_VARIANT_S (3: the quick run that picks the bare route's faster variant). The req/s
// ratio is the median of per-round ratios (`pairedRatio`).
// Needs the infrastructure up (`npm run infra -- up`).
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
import {
  load,
  median,
  pairedRatio,
  redisCpuSeconds,
  positive,
  type LoadResult,
} from '../../../test/support/bench-load';
import { cpuSeconds, type Child } from '../../../test/support/bench-processes';
import { benchInfra, benchRun, cpuProfileArgs, startService } from '../../../test/support/bench-services';
import {
  addCounts,
  commandStats,
  luaCommandNames,
  resetStats,
  splitCommands,
  type CommandCounts,
} from './redis-commands';

const SECRET = 'pricing-bench-secret-pricing-bench-secret';
const DURATION_S = positive('BENCH_DURATION_S', 4);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const ROUNDS = positive('BENCH_ROUNDS', 6);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const VARIANT_S = positive('BENCH_VARIANT_S', 3);
/** The config's maximum: 50 connections for ~60 s stay far below it, nothing is rejected. */
const LIMIT_PER_MIN = 10_000_000;
const USER = 'bench-user';
/** Experiments only: `-r` preload and `--cpu-prof` for the cached service (profiles go to the log folder). */
const PRELOAD = process.env.BENCH_PRELOAD;
const CPU_PROF = process.env.BENCH_CPU_PROF === 'on';
/** Sampling interval of those profiles, µs (Node's default is 1000). */
const CPU_PROF_INTERVAL_US = positive('BENCH_CPU_PROF_INTERVAL_US', 1000);

/** A hand-checked entry (the integration test's): 150000 minor units, term, segment, region and tier adjustments. */
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

type Key = 'bare' | 'cached' | 'uncached';
interface Target {
  key: Key;
  label: string;
  url: string;
  headers: Record<string, string>;
  runs: LoadResult[];
  rate: CommandCounts;
  cache: CommandCounts;
  rateLua: number;
  /** Requests sent over the measured runs: the denominator of commands per request. */
  served: number;
  /** The serving process. */
  child: Child;
  /** Its CPU time per request, µs, per measured run. */
  cpuUs: number[];
  /** The same for the load generator (this process) and the two Redis servers together. */
  clientCpuUs: number[];
  redisCpuUs: number[];
}

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

async function main(): Promise<void> {
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

    const bare = await startService({
      name: 'bare-fastify-redis',
      main: 'apps/pricing-service/bench/bare-route.ts',
      logDir,
      env: {
        BARE_APP_ENV: appEnv,
        BARE_PRICE_BOOK_VERSION: String(version),
        BARE_RATE_KEYS: JSON.stringify(rateKeys),
        BARE_RATE_ARGV: JSON.stringify(rateArgv),
      },
    });
    children.push(bare);

    // Every target answers 200 with the cached payload before anything is measured.
    const bodyNotes: string[] = [];
    const check = async (
      name: string,
      url: string,
      headers: Record<string, string>,
      ignoreCalculatedAt = false,
    ) => {
      const answer = await post(url, headers, BODY);
      if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${answer.text}`);
      const got = JSON.parse(answer.text) as Record<string, unknown>;
      const want = { ...(stored.payload as Record<string, unknown>) };
      if (ignoreCalculatedAt) {
        delete got.calculatedAt;
        delete want.calculatedAt;
      }
      if (!isDeepStrictEqual(got, want))
        throw new Error(`${name} body differs from the cached payload:\n${answer.text}`);
      bodyNotes.push(name);
    };
    const bareUrl = (variant: string) => `${bare.url}/${variant}${path}`;
    await check('bare concurrent', bareUrl('concurrent'), {});
    await check('bare sequential', bareUrl('sequential'), {});
    await check('cached', cached.url + path, auth);
    await check('uncached (calculatedAt aside)', uncached.url + path, auth, true);

    const assertAlive = () => {
      for (const child of children) {
        const reason = child.exitReason();
        if (reason) {
          throw new Error(
            `${child.name} stopped during the benchmark (${reason}); not sent by this script. Something else on the machine ` +
              `signalled it (see ${child.logFile}); rerun when nothing else is running.`,
          );
        }
      }
    };

    console.log(`pricing-service calculate benchmark  (node ${process.version}, ${cpus().length} CPUs)`);
    console.log(
      `  APP_ENV=${appEnv} tenant=${tenant} price book v${version}, POST ${path.replace(tenant, '{t}')} ${BODY}`,
    );
    console.log(`  price key ${priceKey} (${raw.length} B stored, ttl ${ttl} s)`);
    console.log(
      `  rate keys ${rateKeys.join(', ')}; EVALSHA fixedWindow ${script.sha.slice(0, 12)}… 2 keys, ARGV ${rateArgv.join(' ')}`,
    );
    console.log(
      `  services: LOG_LEVEL=info (stdout -> ${join('.data', 'bench', appEnv)}/*.log), limits ${LIMIT_PER_MIN}/min tenant and user,` +
        ` startup ${startupS.toFixed(1)} s for both`,
    );
    if (PRELOAD || CPU_PROF)
      console.log(
        `  EXPERIMENT: cached service with${PRELOAD ? ` preload ${PRELOAD}` : ''}${CPU_PROF ? ' --cpu-prof' : ''}`,
      );
    console.log(`  bodies checked: 200 and the cached payload from ${bodyNotes.join(', ')}`);

    // Quick pick of the bare route's faster variant.
    const variants: { name: string; path: string; result?: LoadResult }[] = [
      { name: 'concurrent (Promise.all of the two)', path: 'concurrent' },
      { name: 'sequential (two awaited commands)', path: 'sequential' },
    ];
    for (const v of variants) {
      await load({ url: bareUrl(v.path), body: BODY, connections: CONNECTIONS, durationS: WARMUP_S });
      v.result = await load({
        url: bareUrl(v.path),
        body: BODY,
        connections: CONNECTIONS,
        durationS: VARIANT_S,
      });
      assertAlive();
    }
    const best = variants.reduce((a, b) => (b.result!.reqPerSec > a.result!.reqPerSec ? b : a));
    console.log(`  bare route variants (${WARMUP_S} s warm-up + ${VARIANT_S} s each):`);
    for (const v of variants) {
      const r = v.result!;
      console.log(
        `    ${v.name.padEnd(36)} ${Math.round(r.reqPerSec).toString().padStart(6)} req/s  p99 ${r.p99Ms.toFixed(1)} ms` +
          `${v === best ? '  <- used' : ''}`,
      );
    }
    console.log(
      `  autocannon: ${CONNECTIONS} connections, POST with JSON body, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run,` +
        ` ${ROUNDS} round(s), alternating order; medians (the req/s ratio: of the rounds' ratios). Commands: CONFIG RESETSTAT before, INFO commandstats after each measured run`,
    );

    const target = (
      key: Key,
      label: string,
      child: Child,
      url: string,
      headers: Record<string, string>,
    ): Target => ({
      key,
      label,
      child,
      cpuUs: [],
      clientCpuUs: [],
      redisCpuUs: [],
      url,
      headers,
      runs: [],
      rate: new Map(),
      cache: new Map(),
      rateLua: 0,
      served: 0,
    });
    const redisCpu = async () => (await redisCpuSeconds(rateRedis)) + (await redisCpuSeconds(cacheRedis));
    const targets: Target[] = [
      target('bare', `bare Fastify, ${best.path}`, bare, bareUrl(best.path), {}),
      target('cached', 'service, price cache warm', cached, cached.url + path, auth),
      target('uncached', 'service, PRICING_CACHE=off', uncached, uncached.url + path, auth),
    ];
    // What runs inside scripts on each server: the limiter's fixed-window script on the rate server, the hot-price
    // tally (sent by a timer every few seconds) on the cache server. Commands of other scripts are client commands.
    const scriptNames = (name: string) => luaCommandNames([RUNTIME_SCRIPTS.get(name)!.lua]);
    const rateLuaNames = scriptNames('fixedWindow');
    const cacheLuaNames = scriptNames('trackHotKey');

    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        await load({
          url: t.url,
          headers: t.headers,
          body: BODY,
          connections: CONNECTIONS,
          durationS: WARMUP_S,
        });
        await sleep(300); // the warm-up's last requests finish before the counters start
        await Promise.all([resetStats(rateRedis), resetStats(cacheRedis)]);
        const cpuBefore = cpuSeconds(t.child.process.pid);
        const redisBefore = await redisCpu();
        const result = await load({
          url: t.url,
          headers: t.headers,
          body: BODY,
          connections: CONNECTIONS,
          durationS: DURATION_S,
        });
        t.cpuUs.push(((cpuSeconds(t.child.process.pid) - cpuBefore) * 1e6) / Math.max(1, result.sent));
        t.redisCpuUs.push((((await redisCpu()) - redisBefore) * 1e6) / Math.max(1, result.sent));
        t.clientCpuUs.push(result.clientCpuUs);
        const [rate, cache] = await Promise.all([commandStats(rateRedis), commandStats(cacheRedis)]);
        assertAlive();
        t.runs.push(result);
        t.served += result.sent;
        const rateSplit = splitCommands(rate, rateLuaNames);
        t.rateLua += rateSplit.lua;
        addCounts(t.rate, rateSplit.byName);
        addCounts(t.cache, splitCommands(cache, cacheLuaNames).byName);
        process.stderr.write(`  round ${round + 1} ${t.label}: ${Math.round(result.reqPerSec)} req/s\n`);
      }
    }

    const sum = (counts: CommandCounts) => [...counts.values()].reduce((a, b) => a + b, 0);
    const breakdown = (counts: CommandCounts, served: number) =>
      [...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([name, calls]) => `${name} ${(calls / served).toFixed(3)}`)
        .join(', ') || 'none';
    const rows = targets.map((t) => ({
      t,
      rps: median(t.runs.map((r) => r.reqPerSec)),
      p50: median(t.runs.map((r) => r.p50Ms)),
      p99: median(t.runs.map((r) => r.p99Ms)),
      errors: t.runs.reduce((n, r) => n + r.errors, 0),
      non2xx: t.runs.reduce((n, r) => n + r.non2xx, 0),
      rounds: t.runs.map((r) => Math.round(r.reqPerSec)).join(' / '),
      ratePerReq: sum(t.rate) / t.served,
      cachePerReq: sum(t.cache) / t.served,
      cpuUs: median(t.cpuUs),
      allCpuUs: median(t.cpuUs) + median(t.clientCpuUs) + median(t.redisCpuUs),
    }));
    const w = Math.max(...rows.map((r) => r.t.label.length));
    console.log('');
    console.log(
      `  ${'name'.padEnd(w)}  ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(6)}  ${'p99 ms'.padStart(6)}  ${'err/non2xx'.padStart(10)}` +
        `  ${'rate cmd/req'.padStart(12)}  ${'cache cmd/req'.padStart(13)}  ${'CPU µs/req'.padStart(10)}  rounds req/s`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.t.label.padEnd(w)}  ${Math.round(r.rps).toString().padStart(7)}  ${r.p50.toFixed(1).padStart(6)}  ${r.p99.toFixed(1).padStart(6)}` +
          `  ${`${r.errors}/${r.non2xx}`.padStart(10)}  ${r.ratePerReq.toFixed(3).padStart(12)}  ${r.cachePerReq.toFixed(3).padStart(13)}  ${r.cpuUs.toFixed(1).padStart(10)}  ${r.rounds}`,
      );
    }
    console.log('');
    console.log(
      '  client commands per request sent, by name (calls made inside the rate and hot-key scripts apart):',
    );
    for (const r of rows) {
      console.log(
        `    ${r.t.label.padEnd(w)}  rate: ${breakdown(r.t.rate, r.t.served)}  (+ ${(r.t.rateLua / r.t.served).toFixed(2)} inside the script)`,
      );
      console.log(`    ${''.padEnd(w)}  cache: ${breakdown(r.t.cache, r.t.served)}`);
    }

    const by = Object.fromEntries(rows.map((r) => [r.t.key, r])) as Record<Key, (typeof rows)[number]>;
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    console.log('');
    const paired = pairedRatio(by.cached.t.runs, by.bare.t.runs);
    console.log(
      `  ${'cached service / bare route, req/s'.padEnd(40)} ${paired.median.toFixed(2)}x  (target >= 0.8x)  ${mark(paired.median >= 0.8)}` +
        `  rounds ${paired.rounds.map((r) => r.toFixed(2)).join(' ')}`,
    );
    console.log(
      `  ${'cached service / bare route, p99'.padEnd(40)} ${(by.cached.p99 / by.bare.p99).toFixed(2)}x  (${by.cached.p99.toFixed(1)} vs ${by.bare.p99.toFixed(1)} ms)`,
    );
    console.log(
      `  ${'CPU per request, bare / cached service'.padEnd(40)} ${(by.bare.cpuUs / by.cached.cpuUs).toFixed(2)}x  (${by.bare.cpuUs.toFixed(1)} vs ${by.cached.cpuUs.toFixed(1)} µs; the serving process only, steadier than req/s)`,
    );
    // The load generator and both Redis servers share the two cores with the server: when all are busy, req/s
    // follows the CPU every process spends per request.
    console.log(
      `  ${'CPU per request, all processes'.padEnd(40)} ${(by.bare.allCpuUs / by.cached.allCpuUs).toFixed(2)}x  (${by.bare.allCpuUs.toFixed(1)} vs ${by.cached.allCpuUs.toFixed(1)} µs; server + load generator + both Redis)`,
    );
    console.log(
      `  ${'cached / uncached service, req/s'.padEnd(40)} ${(by.cached.rps / by.uncached.rps).toFixed(2)}x`,
    );
    console.log(
      `  ${'uncached / cached service, p99'.padEnd(40)} ${(by.uncached.p99 / by.cached.p99).toFixed(2)}x  (${by.uncached.p99.toFixed(1)} vs ${by.cached.p99.toFixed(1)} ms)`,
    );
    // One command per workload per cached request; what the pointer refresh or the hot-price tally (a timer) adds
    // shows as a fraction, so "one" means within 1 %.
    const within = (x: number) => Math.abs(x - 1) <= 0.01;
    console.log(
      `  ${'cached service, rate commands / request'.padEnd(40)} ${by.cached.ratePerReq.toFixed(3)}  (target 1)  ${mark(within(by.cached.ratePerReq))}`,
    );
    console.log(
      `  ${'cached service, cache commands / request'.padEnd(40)} ${by.cached.cachePerReq.toFixed(3)}  (target 1)  ${mark(within(by.cached.cachePerReq))}`,
    );
    const failed = rows.filter((r) => r.errors + r.non2xx > 0);
    if (failed.length)
      console.log(`\n  WARNING: errors or non-2xx answers in: ${failed.map((r) => r.t.label).join(', ')}`);
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    cacheRedis.disconnect();
    rateRedis.disconnect();
    await pg.end().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('pricing bench failed:', error);
    process.exit(1);
  },
);
