// A baseline: a bare Fastify route that does one ioredis GET of the value catalog-service caches for an offer and
// returns its payload as JSON. No auth, no validation, no logging, no metrics. Run as a child process by
// catalog.bench.ts with PORT, BARE_APP_ENV, BARE_CATALOG_VERSION, REDIS_CACHE_URL and BARE_AUTO_PIPELINING
// (`on`: ioredis `enableAutoPipelining`; the bench runs one process of each and compares with the faster).
import Fastify from 'fastify';
import Redis from 'ioredis';

const port = Number(process.env.PORT ?? 0);
const appEnv = process.env.BARE_APP_ENV ?? 'dev';
const version = process.env.BARE_CATALOG_VERSION ?? '1';
const redis = new Redis(process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379', {
  lazyConnect: false,
  enableAutoPipelining: process.env.BARE_AUTO_PIPELINING === 'on',
});
const app = Fastify({ logger: false });

app.get('/health/live', async () => ({ status: 'ok' }));

app.get<{ Params: { tenantId: string; offerId: string } }>(
  '/v1/tenants/:tenantId/catalog/offers/:offerId',
  async (request, reply) => {
    const { tenantId, offerId } = request.params;
    const raw = await redis.get(`${appEnv}:catalog-service:${tenantId}:catalog:offer:v${version}:${offerId}`);
    if (raw === null) return reply.code(404).send({ status: 404 });
    return (JSON.parse(raw) as { payload: unknown }).payload;
  },
);

const close = () => {
  void app.close().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

app.listen({ host: '127.0.0.1', port }).then(
  () => console.log(`bare route listening on ${port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
