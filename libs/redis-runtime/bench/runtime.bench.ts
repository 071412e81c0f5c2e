// npm run bench:runtime — throughput of the runtime's hot paths against well-known baselines at their best, 100
// concurrent callers in this process, one local Redis for every contender. Writes .data/bench/runtime.json
// (`npm run docs:bench` renders it); asserts nothing; exits when done.
//
// Knobs: BENCH_ROUNDS (3), BENCH_DURATION_MS (2000), BENCH_WARMUP_MS (500), BENCH_LATENCY_MS (500), BENCH_CONCURRENCY
// (100). Quick check: BENCH_ROUNDS=1 BENCH_DURATION_MS=300 BENCH_WARMUP_MS=100 BENCH_LATENCY_MS=100.
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import {
  JsonCodec,
  KeyFactory,
  NearCache,
  RedisCacheAside,
  RedisConnection,
  RedisRateLimiter,
  connectClient,
  createRedisClient,
  platformKeyFamilyRegistry,
} from '../src';
import {
  positive,
  ratioOfRounds,
  runBench,
  writeBenchReport,
  type BenchContender,
  type BenchRatio,
} from '../../../test/support/bench-report';
import { measureGroup } from './bench-harness';

const REDIS_URL = process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = positive('BENCH_CONCURRENCY', 100);
const ROUNDS = positive('BENCH_ROUNDS', 3);
const DURATION_MS = positive('BENCH_DURATION_MS', 2_000);
const WARMUP_MS = positive('BENCH_WARMUP_MS', 500);
const LATENCY_MS = positive('BENCH_LATENCY_MS', 500);

const METHOD = [
  'In-process closed loop: 100 concurrent callers in the bench process, each awaiting its previous operation, one',
  'local Redis for every contender. Per group, every contender is warmed up, then measured in each round back to',
  'back, in alternating order; figures are medians over the rounds. A ratio is the median of per-round ratios,',
  "each taken against the fastest of the baseline's configurations in that round. Baselines at their best: bare",
  'ioredis GET + JSON.parse with and without enableAutoPipelining; rate-limiter-flexible RateLimiterRedis (its Lua',
  'script by EVALSHA) on ioredis with and without enableAutoPipelining, with inMemoryBlockOnConsumed, and on',
  'node-redis (useRedisPackage; it auto-pipelines, but sends the script by EVAL); its insurance limiter acts only',
  'when Redis fails and inMemoryBlockOnConsumed only on keys already over their limit, so neither can speed up the',
  "allowed decisions measured here (no decision is rejected). bentocache's memory tier read by get (value set with",
  'a numeric TTL, serialize: false, the store resolved once), lru-cache (with a TTL) as the ceiling of an',
  'in-process read. p50/p99: a separate pass per contender that times every operation. CPU per operation: this',
  'process (callers and library together, reported as server) and Redis (INFO cpu between runs; a shared server',
  'also counts other clients).',
].join(' ');

interface OfferView {
  offerId: string;
  displayName: string;
  status: string;
  eligibleActions: string[];
  attributes: Record<string, string | number | boolean>;
}

const offer = (i: number): OfferView => ({
  offerId: `offer-${i}`,
  displayName: `Enterprise Connectivity ${i}`,
  status: 'ACTIVE',
  eligibleActions: ['ADD', 'CHANGE', 'REMOVE'],
  attributes: { bandwidthMbps: 1000, sla: 'gold', managed: true },
});

async function openConnection(workload: 'cache' | 'rate', coalesceWrites = true): Promise<RedisConnection> {
  // Benchmark clients get a roomy command timeout: the point is throughput, not the fault budget.
  const client = createRedisClient(
    { url: REDIS_URL, cluster: false, connectTimeoutMs: 1000, commandTimeoutMs: 1000 },
    `bench-${workload}`,
  );
  await connectClient(client, 1000);
  return new RedisConnection(workload, client, { commandTimeoutMs: 1000, coalesceWrites });
}

async function main() {
  const startedAt = new Date().toISOString();
  const env = `bench${Date.now().toString(36)}`;
  const keys = new KeyFactory(platformKeyFamilyRegistry(), env);
  const bare = new Redis(REDIS_URL);
  const bareAp = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const nodeRedis = createClient({ url: REDIS_URL });
  await nodeRedis.connect();
  const rate = await openConnection('rate');
  const cacheConnection = await openConnection('cache');
  const uncoalescedConnection = await openConnection('cache', false);
  const bento = new BentoCache({
    default: 'memory',
    ttl: 600_000,
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false })) },
  });
  const group = {
    rounds: ROUNDS,
    durationMs: DURATION_MS,
    warmupMs: WARMUP_MS,
    latencyMs: LATENCY_MS,
    concurrency: CONCURRENCY,
    redis: bare,
  };
  console.log(
    `redis-runtime benchmark: ${CONCURRENCY} concurrent callers, ${ROUNDS} alternating rounds of ${DURATION_MS} ms, Redis ${REDIS_URL}, Node ${process.version}`,
  );
  try {
    // 1. fixed-window limiter vs rate-limiter-flexible (one dimension, 100 subjects, never rejecting)
    const limiter = new RedisRateLimiter({
      connection: rate,
      keys,
      policies: [
        {
          name: 'bench',
          scope: 'user',
          family: 'pricing-rate-limit',
          algorithm: 'fixed-window',
          limit: 1e9,
          windowSeconds: 60,
          failureMode: { mode: 'open' },
        },
      ],
    });
    type FlexOptions = ConstructorParameters<typeof RateLimiterRedis>[0];
    const flexible = (name: string, options: Pick<FlexOptions, 'storeClient'> & Partial<FlexOptions>) =>
      new RateLimiterRedis({ points: 1e9, duration: 60, keyPrefix: `${env}-rlflex-${name}`, ...options });
    const FLEX = {
      ioredis: 'rate-limiter-flexible RateLimiterRedis, ioredis',
      ap: 'rate-limiter-flexible RateLimiterRedis, ioredis enableAutoPipelining',
      block: 'rate-limiter-flexible RateLimiterRedis, ioredis enableAutoPipelining, inMemoryBlockOnConsumed',
      node: 'rate-limiter-flexible RateLimiterRedis, node-redis (useRedisPackage)',
    };
    const flexIoredis = flexible('ioredis', { storeClient: bare });
    const flexAp = flexible('ap', { storeClient: bareAp });
    const flexBlock = flexible('block', {
      storeClient: bareAp,
      inMemoryBlockOnConsumed: 1e9,
      inMemoryBlockDuration: 60,
    });
    const flexNode = flexible('node', { storeClient: nodeRedis, useRedisPackage: true });
    const LIMITER = 'redis-runtime RedisRateLimiter';
    const limiterContenders = await measureGroup(
      'Rate limiter decisions/s (fixed window, 1 dimension, never rejecting)',
      [
        { name: FLEX.ioredis, op: (c) => flexIoredis.consume(`user-${c}`) },
        { name: FLEX.ap, op: (c) => flexAp.consume(`user-${c}`) },
        { name: FLEX.block, op: (c) => flexBlock.consume(`user-${c}`) },
        { name: FLEX.node, op: (c) => flexNode.consume(`user-${c}`) },
        {
          name: LIMITER,
          op: (c) => limiter.check('bench-tenant', [{ policy: 'bench', subject: `user-${c}` }]),
        },
      ],
      group,
    );

    // 2. CacheAside Redis tier (near-cache off) vs bare GET + JSON.parse, one warm key per caller
    const codec = new JsonCodec<OfferView>({ schemaVersion: 1 });
    const redisTier = new RedisCacheAside({ connection: cacheConnection });
    const uncoalesced = new RedisCacheAside({ connection: uncoalescedConnection });
    const cacheKeys = Array.from({ length: CONCURRENCY }, (_, i) =>
      keys.key('catalog-offer', 'bench-tenant', 'v1', `offer-${i}`),
    );
    for (let i = 0; i < CONCURRENCY; i++)
      await redisTier.set(cacheKeys[i]!, codec, offer(i), { ttlSeconds: 3600 });
    const bareKeys = Array.from({ length: CONCURRENCY }, (_, i) => `${env}:bare:offer-${i}`);
    for (let i = 0; i < CONCURRENCY; i++) await bare.set(bareKeys[i]!, JSON.stringify(offer(i)), 'EX', 600);
    const neverLoad = async (): Promise<OfferView> => {
      throw new Error('benchmark keys are warm: a load means a miss');
    };
    const BARE = {
      plain: 'bare ioredis GET + JSON.parse',
      ap: 'bare ioredis GET + JSON.parse, enableAutoPipelining',
    };
    const TIER = 'redis-runtime CacheAside, Redis tier';
    const TIER_UNCOALESCED = 'redis-runtime CacheAside, Redis tier, write coalescing off';
    const redisTierContenders = await measureGroup(
      'Cache hit gets/s, Redis tier',
      [
        { name: BARE.plain, op: async (c) => JSON.parse((await bare.get(bareKeys[c]!))!) },
        { name: BARE.ap, op: async (c) => JSON.parse((await bareAp.get(bareKeys[c]!))!) },
        { name: TIER, op: (c) => redisTier.getOrLoad(cacheKeys[c]!, codec, neverLoad) },
        { name: TIER_UNCOALESCED, op: (c) => uncoalesced.getOrLoad(cacheKeys[c]!, codec, neverLoad) },
      ],
      group,
    );

    // 3. near-cache hit vs bentocache's memory tier and lru-cache (no copying on any side)
    const nearTier = new RedisCacheAside({
      connection: cacheConnection,
      nearCache: new NearCache({ maxEntries: 10_000, ttlMs: 600_000 }),
    });
    for (let i = 0; i < CONCURRENCY; i++) await nearTier.getOrLoad(cacheKeys[i]!, codec, neverLoad);
    const bentoStore = bento.use('memory');
    for (let i = 0; i < CONCURRENCY; i++)
      await bentoStore.set({ key: bareKeys[i]!, value: offer(i), ttl: 600_000 });
    const lru = new LRUCache<string, OfferView>({ max: 10_000, ttl: 600_000 });
    for (let i = 0; i < CONCURRENCY; i++) lru.set(bareKeys[i]!, offer(i));
    const IN = {
      bento: 'bentocache memory tier get (numeric TTL)',
      lru: 'lru-cache get (TTL)',
      near: 'redis-runtime near-cache hit (getOrLoad)',
      nearSync: 'redis-runtime near-cache hit (nearValue, synchronous)',
    };
    const inProcessContenders = await measureGroup(
      'Cache hit gets/s, in-process tier',
      [
        { name: IN.bento, op: (c) => bentoStore.get({ key: bareKeys[c]! }) },
        { name: IN.lru, op: (c) => lru.get(bareKeys[c]!) },
        { name: IN.near, op: (c) => nearTier.getOrLoad(cacheKeys[c]!, codec, neverLoad) },
        { name: IN.nearSync, op: (c) => nearTier.nearValue(cacheKeys[c]!) },
      ],
      group,
    );

    const contenders: BenchContender[] = [
      ...limiterContenders,
      ...redisTierContenders,
      ...inProcessContenders,
    ];
    const rounds = Object.fromEntries(contenders.map((c) => [c.name, c.rounds!]));
    const ratios = [
      ratioOfRounds('limiter / best rate-limiter-flexible', rounds, LIMITER, Object.values(FLEX), 1.2),
      ratioOfRounds(
        'CacheAside Redis tier / best bare GET + JSON.parse',
        rounds,
        TIER,
        Object.values(BARE),
        0.9,
      ),
      ratioOfRounds(
        'same, write coalescing off / best bare GET + JSON.parse',
        rounds,
        TIER_UNCOALESCED,
        Object.values(BARE),
      ),
      ratioOfRounds('near-cache hit (getOrLoad) / bentocache get', rounds, IN.near, [IN.bento], 3),
      ratioOfRounds('near-cache hit (nearValue) / lru-cache get', rounds, IN.nearSync, [IN.lru]),
    ].filter((r): r is BenchRatio => r !== undefined);

    writeBenchReport({
      name: 'runtime',
      title: 'redis-runtime hot paths, in process',
      startedAt,
      unit: 'ops/s',
      method: METHOD,
      settings: {
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        durationMs: DURATION_MS,
        warmupMs: WARMUP_MS,
        latencyMs: LATENCY_MS,
      },
      contenders,
      ratios,
    });
  } finally {
    await bento.disconnectAll();
    await nodeRedis.close();
    bare.disconnect();
    bareAp.disconnect();
    await rate.close();
    await cacheConnection.close();
    await uncoalescedConnection.close();
  }
}

runBench('runtime', main);
