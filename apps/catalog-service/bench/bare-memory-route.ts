// The floor for the near-cached offer read: a bare Fastify route answering the same bytes from an in-memory Map,
// with a synchronous handler and the body already serialized (no Redis, no auth, no validation, no logging, no
// metrics). Run as a child process by catalog.bench.ts with PORT and BARE_BODIES (JSON: `<tenant>/<offerId>` ->
// the exact response body the near-cached service answers).
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const bodies = new Map<string, string>(
  Object.entries(JSON.parse(process.env.BARE_BODIES ?? '{}') as Record<string, string>),
);
const app = Fastify({ logger: false });

app.get('/health/live', async () => ({ status: 'ok' }));

app.get<{ Params: { tenantId: string; offerId: string } }>(
  '/v1/tenants/:tenantId/catalog/offers/:offerId',
  (request, reply) => {
    const body = bodies.get(`${request.params.tenantId}/${request.params.offerId}`);
    if (body === undefined) reply.code(404).send({ status: 404 });
    else reply.type('application/json; charset=utf-8').send(body);
  },
);

const close = () => {
  void app.close().finally(() => process.exit(0));
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

app.listen({ host: '127.0.0.1', port }).then(
  () => console.log(`bare in-memory route listening on ${port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
