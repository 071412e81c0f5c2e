// npm run bench:runtime — throughput of the runtime's hot paths against well-known baselines, 100 concurrent
// callers, one local Redis for every contender. Prints figures and ratios; asserts nothing.
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import {
  JsonCodec,
  KeyFactory,
  NearCache,
  RedisCacheAside,
  RedisConnection,
  RedisRateLimiter,
  createRedisClient,
  connectClient,
  platformKeyFamilyRegistry,
} from '../src';
import { compare } from './bench-harness';

const REDIS_URL = process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = 100;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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
  const env = `bench${Date.now().toString(36)}`;
  const keys = new KeyFactory(platformKeyFamilyRegistry(), env);
  const bare = new Redis(REDIS_URL);
  const opts = { concurrency: CONCURRENCY, durationMs: DURATION_MS, rounds: ROUNDS };
  console.log(
    `redis-runtime benchmark: ${CONCURRENCY} concurrent callers, ${ROUNDS} alternating rounds of ${DURATION_MS} ms, Redis ${REDIS_URL}, Node ${process.version}`,
  );

  // 1. fixed-window limiter vs rate-limiter-flexible (one dimension, 100 subjects, never rejecting)
  const rate = await openConnection('rate');
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
  const flexible = new RateLimiterRedis({
    storeClient: bare,
    points: 1e9,
    duration: 60,
    keyPrefix: `${env}-rlflex`,
  });
  const limiterResult = await compare(
    'Rate limiter decisions/s (fixed window, 1 dimension)',
    ['rate-limiter-flexible RateLimiterRedis', (c) => flexible.consume(`user-${c}`)],
    [
      'redis-runtime RedisRateLimiter',
      (c) => limiter.check('bench-tenant', [{ policy: 'bench', subject: `user-${c}` }]),
    ],
    opts,
  );

  // 2. CacheAside Redis tier (near-cache off) vs bare GET + JSON.parse, one warm key per caller
  const cacheConnection = await openConnection('cache');
  const codec = new JsonCodec<OfferView>({ schemaVersion: 1 });
  const redisTier = new RedisCacheAside({ connection: cacheConnection });
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
  const redisTierResult = await compare(
    'Cache hit gets/s, Redis tier',
    ['bare ioredis GET + JSON.parse', async (c) => JSON.parse((await bare.get(bareKeys[c]!))!)],
    ['redis-runtime CacheAside (Redis tier)', (c) => redisTier.getOrLoad(cacheKeys[c]!, codec, neverLoad)],
    opts,
  );

  // 2b. the same without write coalescing: what the runtime's own layers cost over a bare GET
  const uncoalesced = new RedisCacheAside({ connection: await openConnection('cache', false) });
  const uncoalescedResult = await compare(
    'Cache hit gets/s, Redis tier, write coalescing off (for reference)',
    ['bare ioredis GET + JSON.parse', async (c) => JSON.parse((await bare.get(bareKeys[c]!))!)],
    [
      'redis-runtime CacheAside, coalescing off',
      (c) => uncoalesced.getOrLoad(cacheKeys[c]!, codec, neverLoad),
    ],
    opts,
  );

  // 3. near-cache hit vs bentocache memory tier (serialize: false on both sides: no copying)
  const nearTier = new RedisCacheAside({
    connection: cacheConnection,
    nearCache: new NearCache({ maxEntries: 10_000, ttlMs: 600_000 }),
  });
  for (let i = 0; i < CONCURRENCY; i++) await nearTier.getOrLoad(cacheKeys[i]!, codec, neverLoad);
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000, serialize: false })) },
  });
  for (let i = 0; i < CONCURRENCY; i++)
    await bento.getOrSet({ key: bareKeys[i]!, factory: () => offer(i), ttl: '10m' });
  const nearResult = await compare(
    'Cache hit gets/s, in-process tier',
    [
      'bentocache memory tier getOrSet',
      (c) => bento.getOrSet({ key: bareKeys[c]!, factory: () => offer(c), ttl: '10m' }),
    ],
    ['redis-runtime CacheAside near-cache hit', (c) => nearTier.getOrLoad(cacheKeys[c]!, codec, neverLoad)],
    opts,
  );

  console.log('\nsummary (target)');
  console.log(`  limiter vs rate-limiter-flexible        ${limiterResult.ratio.toFixed(2)}x  (>= 1.2x)`);
  console.log(`  Redis-tier hit vs bare GET + JSON.parse ${redisTierResult.ratio.toFixed(2)}x  (>= 0.9x)`);
  console.log(`  near-cache hit vs bentocache memory     ${nearResult.ratio.toFixed(2)}x  (>= 3x)`);
  console.log(`  (Redis tier, coalescing off             ${uncoalescedResult.ratio.toFixed(2)}x)`);

  await bento.disconnectAll();
  bare.disconnect();
  await rate.close();
  await cacheConnection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
