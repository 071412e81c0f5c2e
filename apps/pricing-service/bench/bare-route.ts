// The baseline: a bare Fastify route doing, per POST, the Redis work of a cached price calculation and nothing
// else: EVALSHA of the rate limiter's fixed-window script (the library's file, includes resolved, same two keys
// and ARGV as the service's tenant + user check) on the rate Redis, and a GET of the cached price on the cache
// Redis; answers the cached payload. No auth, no validation, no logging, no metrics, no PostgreSQL.
//
//   POST /concurrent/v1/tenants/:tenantId/prices/calculate   both commands at once (Promise.all: one round trip
//                                                             of wall time; the two servers cannot share a pipeline)
//   POST /sequential/v1/tenants/:tenantId/prices/calculate   the script, awaited, then the GET, awaited
//
// Run as a child process by pricing.bench.ts with PORT, BARE_APP_ENV, BARE_PRICE_BOOK_VERSION,
// BARE_RATE_KEYS (JSON: the two counter keys), BARE_RATE_ARGV (JSON: cost, then limit and window ms per key),
// REDIS_CACHE_URL, REDIS_RATE_URL and BARE_AUTO_PIPELINING (`on`: both clients with ioredis
// `enableAutoPipelining`; the bench runs one process of each, so four variants, and compares with the fastest).
import Fastify, { type FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { RUNTIME_SCRIPTS } from '@cpq/redis-runtime/src/scripts/script-registry';

const port = Number(process.env.PORT ?? 0);
const appEnv = process.env.BARE_APP_ENV ?? 'dev';
const version = process.env.BARE_PRICE_BOOK_VERSION ?? '1';
const rateKeys = JSON.parse(process.env.BARE_RATE_KEYS ?? '[]') as string[];
const rateArgv = JSON.parse(process.env.BARE_RATE_ARGV ?? '[]') as string[];
const script = RUNTIME_SCRIPTS.get('fixedWindow');
if (!script) throw new Error('fixedWindow script not found in the runtime scripts');
const enableAutoPipelining = process.env.BARE_AUTO_PIPELINING === 'on';
const cache = new Redis(process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining });
const rate = new Redis(process.env.REDIS_RATE_URL ?? 'redis://127.0.0.1:6380', { enableAutoPipelining });
const evalArgs: (string | number)[] = [script.sha, rateKeys.length, ...rateKeys, ...rateArgv];
const app = Fastify({ logger: false });

interface Body {
  offerId: string;
  currency: string;
  termMonths: number;
  quantity: number;
  segment: string;
  region: string;
}
interface Params {
  tenantId: string;
}

// The service's `price` family key: <env>:pricing-service:<tenant>:price:calc:v<version>:<offer>:<currency>:t..:..:..:q..
const priceKey = (tenantId: string, b: Body) =>
  `${appEnv}:pricing-service:${tenantId}:price:calc:v${version}:${b.offerId}:${b.currency}:t${b.termMonths}:${b.segment}:${b.region}:q${b.quantity}`;

const evalsha = () => (rate.evalsha as (...args: (string | number)[]) => Promise<unknown>)(...evalArgs);

function answer(reply: FastifyReply, verdict: unknown, raw: string | null) {
  if (!Array.isArray(verdict) || verdict[0] !== 1) return reply.code(429).send({ status: 429 });
  if (raw === null) return reply.code(404).send({ status: 404 });
  return (JSON.parse(raw) as { payload: unknown }).payload;
}

app.get('/health/live', async () => ({ status: 'ok' }));

app.post<{ Params: Params; Body: Body }>(
  '/concurrent/v1/tenants/:tenantId/prices/calculate',
  async (request, reply) => {
    const [verdict, raw] = await Promise.all([
      evalsha(),
      cache.get(priceKey(request.params.tenantId, request.body)),
    ]);
    return answer(reply, verdict, raw);
  },
);

app.post<{ Params: Params; Body: Body }>(
  '/sequential/v1/tenants/:tenantId/prices/calculate',
  async (request, reply) => {
    const verdict = await evalsha();
    const raw = await cache.get(priceKey(request.params.tenantId, request.body));
    return answer(reply, verdict, raw);
  },
);

const close = () => {
  void app.close().finally(() => {
    cache.disconnect();
    rate.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

// Load the script once (what the service's NOSCRIPT fallback does on first use) and check its SHA.
rate
  .script('LOAD', script.lua)
  .then((sha) => {
    if (sha !== script.sha) throw new Error(`SCRIPT LOAD returned ${String(sha)}, expected ${script.sha}`);
    return app.listen({ host: '127.0.0.1', port });
  })
  .then(
    () => console.log(`bare route listening on ${port} (fixedWindow ${script.sha})`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
