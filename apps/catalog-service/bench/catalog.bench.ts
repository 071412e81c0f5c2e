// Benchmark (not a test) of GET /v1/tenants/{t}/catalog/offers/{id}: catalog-service with its Redis cache warm,
// with the in-process near-cache on, with caching off (PostgreSQL every time), against a bare Fastify route doing
// one ioredis GET of the same cached value. `npm run bench:catalog`; BENCH_DURATION_S (default 4),
// BENCH_WARMUP_S (1), BENCH_ROUNDS (6), BENCH_CONNECTIONS (50). Ratios are medians of per-round ratios (see
// `pairedRatio`): many short rounds, every target in each, alternating order. Needs the infrastructure up (`npm run infra -- up`).
//
// The services run as child processes through @swc-node/register (tsx emits no decorator metadata, NestJS needs
// it), with the default LOG_LEVEL (info: request logging is part of what is measured), stdout to a file.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { signDevToken } from '@cpq/platform';
import Redis from 'ioredis';
import {
  load,
  median,
  pairedRatio,
  positive,
  redisCpuSeconds,
  type LoadResult,
} from '../../../test/support/bench-load';
import { cpuSeconds, type Child } from '../../../test/support/bench-processes';
import { benchInfra, benchRun, cpuProfileArgs, startService } from '../../../test/support/bench-services';

const SECRET = 'catalog-bench-secret-catalog-bench-secret';
const DURATION_S = positive('BENCH_DURATION_S', 4);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const ROUNDS = positive('BENCH_ROUNDS', 6);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const OFFER_COUNT = 200;
const OFFER_ID = 'offer-0042';
/** Events on: startup stays ~1 s and the relay/consumers are idle during reads; the publish takes the real path. */
const CATALOG_EVENTS = process.env.BENCH_CATALOG_EVENTS === 'off' ? 'off' : 'on';
/** Experiments only: the services' LOG_LEVEL (the benchmark proper keeps the default, info) and a `-r` preload. */
const SERVICE_LOG_LEVEL = process.env.BENCH_SERVICE_LOG_LEVEL ?? 'info';
const PRELOAD = process.env.BENCH_PRELOAD;
/** `near` (or another service name) writes a V8 CPU profile of that service into the run's log directory. */
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** Experiments only: measure just these targets (comma list of bare, cache, near, off). */
const ONLY = process.env.BENCH_ONLY?.split(',').map((key) => key.trim());
/** Sampling interval of those profiles, µs (Node's default is 1000). */
const CPU_PROF_INTERVAL_US = positive('BENCH_CPU_PROF_INTERVAL_US', 1000);

interface Target {
  key: 'bare' | 'cache' | 'near' | 'off';
  label: string;
  child?: Child;
  headers: Record<string, string>;
  runs: LoadResult[];
  /** CPU time of the serving process per request, µs, per measured run. */
  cpuUs: number[];
  /** The same for the load generator (this process) and the cache Redis. */
  clientCpuUs: number[];
  redisCpuUs: number[];
}

async function get(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    text: await response.text(),
    version: response.headers.get('catalog-version'),
  };
}

async function main(): Promise<void> {
  const { appEnv, tenant, logDir } = benchRun();
  const children: Child[] = [];
  const redis = new Redis(benchInfra.REDIS_CACHE_URL);
  try {
    const service = async (name: string, extra: Record<string, string>) => {
      const child = await startService({
        name,
        main: 'apps/catalog-service/bench/service-main.ts',
        logDir,
        env: {
          APP_ENV: appEnv,
          AUTH_JWT_SECRET: SECRET,
          LOG_LEVEL: SERVICE_LOG_LEVEL,
          CATALOG_EVENTS,
          ...extra,
        },
        nodeArgs: CPU_PROF && name.includes(CPU_PROF) ? cpuProfileArgs(logDir, CPU_PROF_INTERVAL_US) : [],
        ...(PRELOAD ? { preload: PRELOAD } : {}),
      });
      children.push(child);
      return child;
    };

    const started = Date.now();
    // One after another: on a small machine, parallel starts of three Nest apps just fight over the CPU.
    const cache = await service('service-cache-on', { CATALOG_CACHE: 'on', CATALOG_OFFER_NEAR_CACHE: 'off' });
    const near = await service('service-near-cache-on', {
      CATALOG_CACHE: 'on',
      CATALOG_OFFER_NEAR_CACHE: 'on',
    });
    const off = await service('service-cache-off', { CATALOG_CACHE: 'off', CATALOG_OFFER_NEAR_CACHE: 'off' });
    const startupS = (Date.now() - started) / 1000;

    // Publish a catalog through the API with an admin token.
    const admin = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: 'bench-admin',
      roles: ['catalog:admin'],
    });
    const offers = Array.from({ length: OFFER_COUNT }, (_, i) => ({
      offerId: `offer-${String(i).padStart(4, '0')}`,
      displayName: `Offer ${i}`,
      status: 'ACTIVE',
      eligibleActions: ['ADD', 'CHANGE'],
      attributes: { speedMbps: 100 * (i + 1), managed: i % 2 === 0, tier: i % 3 === 0 ? 'gold' : 'silver' },
      rules: { minQuantity: 1, maxQuantity: 10 },
    }));
    const published = await fetch(`${cache.url}/v1/tenants/${tenant}/catalog/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offers }),
    });
    const publishedBody = (await published.json()) as { catalogVersion: number };
    if (published.status !== 201)
      throw new Error(`publish failed: ${published.status} ${JSON.stringify(publishedBody)}`);
    const version = publishedBody.catalogVersion;

    // A reader token (no roles): the route is "any".
    const reader = await signDevToken({
      secret: SECRET,
      tenantId: tenant,
      sub: 'bench-reader',
      roles: [],
      ttlSeconds: 3600,
    });
    const auth = { authorization: `Bearer ${reader}` };
    const path = `/v1/tenants/${tenant}/catalog/offers/${OFFER_ID}`;

    // Warm the offer's keys (current pointer + offer) and read the cached value the bare route will GET.
    for (const child of [cache, near]) {
      for (let i = 0; i < 3; i++) await get(child.url + path, auth);
    }
    const offerKey = `${appEnv}:catalog-service:${tenant}:catalog:offer:v${version}:${OFFER_ID}`;
    const raw = await redis.get(offerKey);
    if (raw === null) throw new Error(`the warm offer key ${offerKey} is not in Redis`);
    const stored = JSON.parse(raw) as { schemaVersion: number; payload: unknown };
    const ttl = await redis.ttl(offerKey);

    const bare = await startService({
      name: 'bare-fastify-redis',
      main: 'apps/catalog-service/bench/bare-route.ts',
      logDir,
      env: { BARE_APP_ENV: appEnv, BARE_CATALOG_VERSION: String(version) },
      nodeArgs:
        CPU_PROF && 'bare-fastify-redis'.includes(CPU_PROF)
          ? cpuProfileArgs(logDir, CPU_PROF_INTERVAL_US)
          : [],
    });
    children.push(bare);

    const samples = () => ({ cpuUs: [], clientCpuUs: [], redisCpuUs: [] });
    const allTargets: Target[] = [
      {
        key: 'bare',
        label: 'bare Fastify + 1 ioredis GET',
        child: bare,
        headers: {},
        runs: [],
        ...samples(),
      },
      {
        key: 'cache',
        label: 'service, Redis cache warm',
        child: cache,
        headers: auth,
        runs: [],
        ...samples(),
      },
      { key: 'near', label: 'service, near-cache on', child: near, headers: auth, runs: [], ...samples() },
      {
        key: 'off',
        label: 'service, caching off (PostgreSQL)',
        child: off,
        headers: auth,
        runs: [],
        ...samples(),
      },
    ];

    const targets = ONLY ? allTargets.filter((t) => ONLY.includes(t.key)) : allTargets;
    // Every target answers 200 with the same body before anything is measured.
    const reference = await get(bare.url + path, {});
    if (reference.status !== 200)
      throw new Error(`bare route answered ${reference.status}: ${reference.text}`);
    if (!isDeepStrictEqual(JSON.parse(reference.text), stored.payload))
      throw new Error('bare route body differs from the cached payload');
    const bodyNotes: string[] = [];
    for (const target of allTargets.slice(1)) {
      const answer = await get(target.child!.url + path, target.headers);
      if (answer.status !== 200) throw new Error(`${target.label} answered ${answer.status}: ${answer.text}`);
      if (answer.version !== String(version))
        throw new Error(`${target.label}: Catalog-Version ${answer.version}, expected ${version}`);
      if (answer.text === reference.text) bodyNotes.push(`${target.key}: identical bytes`);
      else if (isDeepStrictEqual(JSON.parse(answer.text), JSON.parse(reference.text)))
        bodyNotes.push(`${target.key}: same JSON (key order differs)`);
      else
        throw new Error(
          `${target.label} body differs from the bare route's:\n${answer.text}\n${reference.text}`,
        );
    }

    console.log(
      `catalog-service offer-read benchmark  (node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)`,
    );
    console.log(
      `  APP_ENV=${appEnv} tenant=${tenant} catalog v${version} (${OFFER_COUNT} offers), GET ${path.replace(tenant, '{t}')}`,
    );
    console.log(
      `  redis key ${offerKey} (${raw.length} B stored, payload ${reference.text.length} B, ttl ${ttl} s)`,
    );
    if (SERVICE_LOG_LEVEL !== 'info' || PRELOAD || CPU_PROF || ONLY) {
      console.log(
        `  EXPERIMENT: services with LOG_LEVEL=${SERVICE_LOG_LEVEL}${PRELOAD ? `, preload ${PRELOAD}` : ''}${ONLY ? `, only ${ONLY.join(',')}` : ''} (not the benchmark's setup)`,
      );
    }
    console.log(
      `  services: LOG_LEVEL=${SERVICE_LOG_LEVEL} (stdout -> ${join('.data', 'bench', appEnv)}/*.log), CATALOG_EVENTS=${CATALOG_EVENTS}` +
        ` (startup ${startupS.toFixed(1)} s for all three, one after another; reads need no events, relay/consumers idle meanwhile)`,
    );
    console.log(`  bodies checked: 200 from all four, ${bodyNotes.join(', ')}`);
    console.log(
      `  autocannon: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run, ${ROUNDS} round(s), alternating order; medians (ratios: of the rounds' ratios)`,
    );

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
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const url = target.child!.url + path;
        await load({ url, headers: target.headers, connections: CONNECTIONS, durationS: WARMUP_S });
        const cpuBefore = cpuSeconds(target.child!.process.pid);
        const redisBefore = await redisCpuSeconds(redis);
        const result = await load({
          url,
          headers: target.headers,
          connections: CONNECTIONS,
          durationS: DURATION_S,
        });
        const cpu = cpuSeconds(target.child!.process.pid) - cpuBefore;
        const redisCpu = (await redisCpuSeconds(redis)) - redisBefore;
        assertAlive();
        target.runs.push(result);
        target.cpuUs.push((cpu * 1e6) / Math.max(1, result.total));
        target.clientCpuUs.push(result.clientCpuUs);
        target.redisCpuUs.push((redisCpu * 1e6) / Math.max(1, result.total));
        process.stderr.write(`  round ${round + 1} ${target.label}: ${Math.round(result.reqPerSec)} req/s\n`);
      }
    }

    const rows = targets.map((t) => ({
      label: t.label,
      rps: median(t.runs.map((r) => r.reqPerSec)),
      p50: median(t.runs.map((r) => r.p50Ms)),
      p99: median(t.runs.map((r) => r.p99Ms)),
      errors: t.runs.reduce((n, r) => n + r.errors, 0),
      non2xx: t.runs.reduce((n, r) => n + r.non2xx, 0),
      rounds: t.runs.map((r) => Math.round(r.reqPerSec)).join(' / '),
      cpuUs: median(t.cpuUs),
      clientCpuUs: median(t.clientCpuUs),
      redisCpuUs: median(t.redisCpuUs),
    }));
    const w = Math.max(...rows.map((r) => r.label.length));
    console.log('');
    console.log(
      `  ${'name'.padEnd(w)}  ${'req/s'.padStart(8)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'err/non2xx'.padStart(10)}  ${'CPU µs/req'.padStart(10)}  ${'client'.padStart(6)}  ${'redis'.padStart(5)}  rounds req/s`,
    );
    for (const r of rows) {
      console.log(
        `  ${r.label.padEnd(w)}  ${Math.round(r.rps).toString().padStart(8)}  ${r.p50.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ${`${r.errors}/${r.non2xx}`.padStart(10)}  ${r.cpuUs.toFixed(1).padStart(10)}  ${r.clientCpuUs.toFixed(1).padStart(6)}  ${r.redisCpuUs.toFixed(1).padStart(5)}  ${r.rounds}`,
      );
    }
    const runsOf = Object.fromEntries(targets.map((t) => [t.key, t.runs])) as Partial<
      Record<Target['key'], LoadResult[]>
    >;
    const ratios: [string, Target['key'], Target['key'], number][] = [
      ['service (cache warm) / bare route', 'cache', 'bare', 0.8],
      ['near-cache / bare route', 'near', 'bare', 1.2],
      ['cache warm / caching off', 'cache', 'off', 2.5],
    ];
    console.log('');
    for (const [name, a, b, target] of ratios) {
      const runsA = runsOf[a];
      const runsB = runsOf[b];
      if (!runsA || !runsB) continue; // a target left out (BENCH_ONLY)
      const ratio = pairedRatio(runsA, runsB);
      console.log(
        `  ${name.padEnd(34)} ${ratio.median.toFixed(2)}x  (target >= ${target}x)  ${ratio.median >= target ? 'ok' : 'MISSED'}` +
          `  rounds ${ratio.rounds.map((r) => r.toFixed(2)).join(' ')}`,
      );
    }
    const cpu = Object.fromEntries(targets.map((t, i) => [t.key, rows[i]!.cpuUs])) as Record<
      Target['key'],
      number
    >;
    const fmt = (n: number | undefined, digits: number) => (n === undefined ? 'n/a' : n.toFixed(digits));
    console.log(
      `  ${'CPU per request, bare / service'.padEnd(34)} cache warm ${fmt(cpu.bare / cpu.cache, 2)}x, near-cache ${fmt(cpu.bare / cpu.near, 2)}x  (the serving process only; steadier than req/s)`,
    );
    // The load generator and Redis share the two cores with the server: when all are busy, req/s follows the
    // CPU every process spends per request, so this bounds what any server-side change can reach.
    const all = Object.fromEntries(
      targets.map((t, i) => [t.key, rows[i]!.cpuUs + rows[i]!.clientCpuUs + rows[i]!.redisCpuUs]),
    ) as Partial<Record<Target['key'], number>>;
    console.log(
      `  ${'CPU per request, all processes'.padEnd(34)} bare ${fmt(all.bare, 1)} µs, cache warm ${fmt(all.cache, 1)}, near-cache ${fmt(all.near, 1)} (server + load generator + Redis): bare / near-cache ${fmt(all.bare !== undefined && all.near !== undefined ? all.bare / all.near : undefined, 2)}x`,
    );
    const failed = rows.filter((r) => r.errors + r.non2xx > 0);
    if (failed.length)
      console.log(`\n  WARNING: errors or non-2xx answers in: ${failed.map((r) => r.label).join(', ')}`);
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('catalog bench failed:', error);
    process.exit(1);
  },
);
