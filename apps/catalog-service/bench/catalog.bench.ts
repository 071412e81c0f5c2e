// Benchmark (not a test) of GET /v1/tenants/{t}/catalog/offers/{id}: catalog-service with its Redis cache warm, with
// the in-process near-cache on, with caching off (PostgreSQL every time), against bare Fastify routes at their best:
// one ioredis GET of the same cached value (with and without `enableAutoPipelining`; each round compares with the
// faster) and, for the near-cache, the same bytes from an in-memory Map. Then p50/p99 at a fixed offered load.
// `npm run bench:catalog`; writes .data/bench/catalog.json (`npm run docs:bench` renders it). Needs the
// infrastructure up (`npm run infra -- up`).
//
// Knobs: BENCH_ROUNDS (6), BENCH_DURATION_S (4), BENCH_WARMUP_S (1), BENCH_CONNECTIONS (50), BENCH_FIXED_SHARE
// (0.5: the fixed load as a share of the best bare Redis route's req/s), BENCH_FIXED_ROUNDS (2),
// BENCH_FIXED_DURATION_S (4). Quick check: BENCH_ROUNDS=2 BENCH_DURATION_S=1 BENCH_WARMUP_S=0.5
// BENCH_FIXED_ROUNDS=1 BENCH_FIXED_DURATION_S=1. Experiments (their report goes to .data/bench/experiments/):
// BENCH_ONLY=<keys> (bare, bare-ap, memory, cache, near, off), BENCH_SERVICE_LOG_LEVEL, BENCH_PRELOAD,
// BENCH_CPU_PROF=<name part> (a V8 CPU profile of the matching processes), BENCH_CPU_PROF_INTERVAL_US.
//
// The services run as child processes through @swc-node/register (tsx emits no decorator metadata, NestJS needs
// it), with the default LOG_LEVEL (info: request logging is part of what is measured), stdout to a file.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { signDevToken } from '@cpq/platform';
import Redis from 'ioredis';
import type { Child } from '../../../test/support/bench-processes';
import {
  BENCH_REPORT_DIR,
  positive,
  ratioOfRounds,
  runBench,
  writeBenchReport,
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

const SECRET = 'catalog-bench-secret-catalog-bench-secret';
const ROUNDS = positive('BENCH_ROUNDS', 6);
const DURATION_S = positive('BENCH_DURATION_S', 4);
const WARMUP_S = positive('BENCH_WARMUP_S', 1);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const FIXED_SHARE = positive('BENCH_FIXED_SHARE', 0.5);
const FIXED_ROUNDS = positive('BENCH_FIXED_ROUNDS', 2);
const FIXED_DURATION_S = positive('BENCH_FIXED_DURATION_S', 4);
const OFFER_COUNT = 200;
const OFFER_ID = 'offer-0042';
/** Events on: startup stays ~1 s and the relay/consumers are idle during reads; the publish takes the real path. */
const CATALOG_EVENTS = process.env.BENCH_CATALOG_EVENTS === 'off' ? 'off' : 'on';
const SERVICE_LOG_LEVEL = process.env.BENCH_SERVICE_LOG_LEVEL ?? 'info';
const PRELOAD = process.env.BENCH_PRELOAD;
const CPU_PROF = process.env.BENCH_CPU_PROF;
const ONLY = process.env.BENCH_ONLY?.split(',').map((key) => key.trim());
const CPU_PROF_INTERVAL_US = positive('BENCH_CPU_PROF_INTERVAL_US', 1000);
const EXPERIMENT = SERVICE_LOG_LEVEL !== 'info' || PRELOAD || CPU_PROF || ONLY || CATALOG_EVENTS !== 'on';

const METHOD = [
  'autocannon, closed loop at saturation: 50 connections on loopback, one request in flight each (pipelining 1).',
  'Each round measures every contender back to back (warm-up discarded, then the measured run), in alternating order;',
  "a contender's figures are medians over the rounds. A ratio is the median of per-round ratios, each taken against",
  "the fastest of the baseline's configurations in that round: the bare Redis route runs as two processes, ioredis",
  'with and without enableAutoPipelining. The near-cache read is compared with a bare Fastify route answering the',
  'same bytes from an in-memory Map (synchronous handler, body pre-serialized): the floor of any HTTP read on this',
  'stack. Every contender answers 200 with the same JSON before anything is measured. p50/p99 at saturation come from',
  "every response's own time. CPU per request: the serving process (/proc), the load generator (this process), the",
  'cache Redis (INFO cpu; a shared server also counts other clients). Fixed load: an open-loop paced loader releases',
  "requests in 1 ms ticks at a share of the best bare Redis route's median req/s over the same 50 connections; a",
  'request that finds no free connection queues and its wait counts (no coordinated omission).',
].join(' ');

type Key = 'bare' | 'bare-ap' | 'memory' | 'cache' | 'near' | 'off';
const NAMES: Record<Key, string> = {
  bare: 'bare Fastify + ioredis GET',
  'bare-ap': 'bare Fastify + ioredis GET, enableAutoPipelining',
  memory: 'bare Fastify, in-memory Map (same bytes)',
  cache: 'service, Redis cache warm',
  near: 'service, near-cache on',
  off: 'service, caching off (PostgreSQL)',
};
const BARE_REDIS = [NAMES.bare, NAMES['bare-ap']];

async function get(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    text: await response.text(),
    version: response.headers.get('catalog-version'),
  };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const { appEnv, tenant, logDir } = benchRun();
  const children: Child[] = [];
  const redis = new Redis(benchInfra.REDIS_CACHE_URL);
  try {
    const start = async (name: string, main: string, env: Record<string, string>) => {
      const child = await startService({
        name,
        main,
        logDir,
        env,
        nodeArgs: CPU_PROF && name.includes(CPU_PROF) ? cpuProfileArgs(logDir, CPU_PROF_INTERVAL_US) : [],
        ...(PRELOAD && main.endsWith('service-main.ts') ? { preload: PRELOAD } : {}),
      });
      children.push(child);
      return child;
    };
    const service = (name: string, extra: Record<string, string>) =>
      start(name, 'apps/catalog-service/bench/service-main.ts', {
        APP_ENV: appEnv,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: SERVICE_LOG_LEVEL,
        CATALOG_EVENTS,
        ...extra,
      });

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

    // Warm the offer's keys (current pointer + offer) and read the cached value the bare routes answer.
    for (const child of [cache, near]) {
      for (let i = 0; i < 3; i++) await get(child.url + path, auth);
    }
    const offerKey = `${appEnv}:catalog-service:${tenant}:catalog:offer:v${version}:${OFFER_ID}`;
    const raw = await redis.get(offerKey);
    if (raw === null) throw new Error(`the warm offer key ${offerKey} is not in Redis`);
    const stored = JSON.parse(raw) as { schemaVersion: number; payload: unknown };
    const ttl = await redis.ttl(offerKey);
    const nearAnswer = await get(near.url + path, auth);

    const bareEnv = { BARE_APP_ENV: appEnv, BARE_CATALOG_VERSION: String(version) };
    const bare = await start('bare-fastify-redis', 'apps/catalog-service/bench/bare-route.ts', {
      ...bareEnv,
      BARE_AUTO_PIPELINING: 'off',
    });
    const bareAp = await start(
      'bare-fastify-redis-autopipelining',
      'apps/catalog-service/bench/bare-route.ts',
      {
        ...bareEnv,
        BARE_AUTO_PIPELINING: 'on',
      },
    );
    const memory = await start('bare-fastify-memory', 'apps/catalog-service/bench/bare-memory-route.ts', {
      BARE_BODIES: JSON.stringify({ [`${tenant}/${OFFER_ID}`]: nearAnswer.text }),
    });

    const all: (HttpContender & { key: Key })[] = [
      { key: 'bare', name: NAMES.bare, child: bare, url: bare.url + path },
      { key: 'bare-ap', name: NAMES['bare-ap'], child: bareAp, url: bareAp.url + path },
      { key: 'memory', name: NAMES.memory, child: memory, url: memory.url + path },
      { key: 'cache', name: NAMES.cache, child: cache, url: cache.url + path, headers: auth },
      { key: 'near', name: NAMES.near, child: near, url: near.url + path, headers: auth },
      { key: 'off', name: NAMES.off, child: off, url: off.url + path, headers: auth },
    ];
    const contenders = ONLY ? all.filter((c) => ONLY.includes(c.key)) : all;

    // Every contender answers 200 with the same JSON before anything is measured.
    const reference = await get(bare.url + path, {});
    if (reference.status !== 200)
      throw new Error(`bare route answered ${reference.status}: ${reference.text}`);
    if (!isDeepStrictEqual(JSON.parse(reference.text), stored.payload))
      throw new Error('bare route body differs from the cached payload');
    const bodyNotes: string[] = [];
    for (const c of all.slice(1)) {
      const answer = await get(c.url, c.headers ?? {});
      if (answer.status !== 200) throw new Error(`${c.name} answered ${answer.status}: ${answer.text}`);
      if (c.child !== memory && c.child !== bareAp && answer.version !== String(version))
        throw new Error(`${c.name}: Catalog-Version ${answer.version}, expected ${version}`);
      if (answer.text === reference.text) bodyNotes.push(`${c.key}: identical bytes`);
      else if (isDeepStrictEqual(JSON.parse(answer.text), JSON.parse(reference.text)))
        bodyNotes.push(`${c.key}: same JSON (key order differs)`);
      else
        throw new Error(`${c.name} body differs from the bare route's:\n${answer.text}\n${reference.text}`);
    }

    console.log(`catalog-service offer-read benchmark  (node ${process.version}, ${cpus().length} CPUs)`);
    console.log(
      `  APP_ENV=${appEnv} catalog v${version} (${OFFER_COUNT} offers), GET ${path.replace(tenant, '{t}')}`,
    );
    console.log(
      `  redis key ${offerKey} (${raw.length} B stored, payload ${reference.text.length} B, ttl ${ttl} s)`,
    );
    console.log(
      `  services: LOG_LEVEL=${SERVICE_LOG_LEVEL} (stdout -> ${join('.data', 'bench', appEnv)}/*.log), CATALOG_EVENTS=${CATALOG_EVENTS}, startup ${startupS.toFixed(1)} s`,
    );
    if (EXPERIMENT)
      console.log("  EXPERIMENT (not the benchmark's setup): report goes to .data/bench/experiments/");
    console.log(`  bodies checked: 200 from all six, ${bodyNotes.join(', ')}`);
    console.log(
      `  ${ROUNDS} round(s) of ${WARMUP_S} s warm-up + ${DURATION_S} s per contender, ${CONNECTIONS} connections`,
    );

    const runs = await measureRounds(contenders, {
      rounds: ROUNDS,
      warmupS: WARMUP_S,
      durationS: DURATION_S,
      connections: CONNECTIONS,
      redis: [redis],
      children,
    });
    const rounds = roundsOf(runs);
    const ratios = [
      ratioOfRounds(
        'service (Redis cache warm) / best bare Redis GET route',
        rounds,
        NAMES.cache,
        BARE_REDIS,
        0.8,
      ),
      ratioOfRounds('service (near-cache) / bare in-memory route', rounds, NAMES.near, [NAMES.memory], 0.7),
      ratioOfRounds('service (Redis cache warm) / caching off', rounds, NAMES.cache, [NAMES.off], 2.5),
      ratioOfRounds('service (near-cache) / best bare Redis GET route', rounds, NAMES.near, BARE_REDIS),
    ].filter((r): r is BenchRatio => r !== undefined);

    const fixedContenders = contenders.filter((c) => c.key !== 'off'); // it cannot reach half the bare route's rate
    const bareMax = bestMedian(rounds, BARE_REDIS);
    const fixedLoad =
      Number.isFinite(bareMax) && fixedContenders.length
        ? await measureFixedLoad(fixedContenders, {
            ratePerSec: Math.round(FIXED_SHARE * bareMax),
            rounds: FIXED_ROUNDS,
            warmupS: WARMUP_S,
            durationS: FIXED_DURATION_S,
            connections: CONNECTIONS,
            children,
          })
        : undefined;

    writeBenchReport(
      {
        name: 'catalog',
        title: 'catalog-service: GET /v1/tenants/{t}/catalog/offers/{id}',
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
          serviceLogLevel: SERVICE_LOG_LEVEL,
          catalogEvents: CATALOG_EVENTS,
          ...(ONLY ? { only: ONLY.join(',') } : {}),
        },
        contenders: contenders.map((c) => contenderOf(c.name, runs.get(c.name)!)),
        ratios,
        ...(fixedLoad ? { fixedLoad } : {}),
        notes: [
          `payload ${reference.text.length} B; bodies: ${bodyNotes.join(', ')}`,
          ...(fixedLoad
            ? [
                `fixed load: ${FIXED_SHARE} x ${Math.round(bareMax)} req/s (best bare Redis route, median of rounds)`,
              ]
            : []),
        ],
      },
      EXPERIMENT ? join(BENCH_REPORT_DIR, 'experiments') : BENCH_REPORT_DIR,
    );
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    redis.disconnect();
  }
}

runBench('catalog', main);
