// The baseline: a bare Fastify route doing, per PUT, what a selection update needs of the session Redis and nothing
// else: one EVALSHA of the library's compare-and-set script (writeVersioned, mode replace) with the new document,
// which also resets the TTL. No auth, no validation, no rate limit, no catalog, no logging, no metrics, no
// PostgreSQL. 200 with the new version, 412 on a version conflict.
//
//   POST /bare/v1/tenants/:tenantId/config-sessions                      creates a document (mode create), version 1
//   GET  /bare/v1/tenants/:tenantId/config-sessions/:id                  {version} of the stored document
//   PUT  /bare/v1/tenants/:tenantId/config-sessions/:id/selections       If-Match: "<version>", body {selectedOptions}
//
// Run as a child process by config.bench.ts with PORT, BARE_APP_ENV and REDIS_SESSION_URL.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import Redis from 'ioredis';
import { RUNTIME_SCRIPTS } from '@cpq/redis-runtime/src/scripts/script-registry';

const port = Number(process.env.PORT ?? 0);
const appEnv = process.env.BARE_APP_ENV ?? 'dev';
const script = RUNTIME_SCRIPTS.get('writeVersioned');
if (!script) throw new Error('writeVersioned script not found in the runtime scripts');
const session = new Redis(process.env.REDIS_SESSION_URL ?? 'redis://127.0.0.1:6381');
const TTL = 1800;
const app = Fastify({ logger: false });

const keyOf = (tenantId: string, id: string) =>
  `${appEnv}:config-service:${tenantId}:config-session:draft:${id}`;
const evalsha = (...args: (string | number)[]) =>
  (session.evalsha as (...a: (string | number)[]) => Promise<[number, number]>)(...args);

app.get('/health/live', async () => ({ status: 'ok' }));

app.post<{ Params: { tenantId: string } }>(
  '/bare/v1/tenants/:tenantId/config-sessions',
  async (request, reply) => {
    const id = randomUUID();
    const doc = JSON.stringify({
      schemaVersion: 1,
      version: 1,
      payload: { sessionId: id, selectedOptions: [] },
    });
    await evalsha(script.sha, 1, keyOf(request.params.tenantId, id), 'create', 1, doc, TTL, 1);
    return reply.code(201).header('etag', '"1"').send({ sessionId: id, version: 1 });
  },
);

// The stored version (the benchmark re-reads it before each run: a run's last in-flight requests were applied
// without their answer being read).
app.get<{ Params: { tenantId: string; id: string } }>(
  '/bare/v1/tenants/:tenantId/config-sessions/:id',
  async (request, reply) => {
    const raw = await session.get(keyOf(request.params.tenantId, request.params.id));
    if (raw === null) return reply.code(404).send({ status: 404 });
    return { version: Number(/"version":(\d+)/.exec(raw)![1]) };
  },
);

app.put<{ Params: { tenantId: string; id: string }; Body: { selectedOptions: unknown[] } }>(
  '/bare/v1/tenants/:tenantId/config-sessions/:id/selections',
  async (request, reply) => {
    const expected = Number(/^"(\d+)"$/.exec(request.headers['if-match'] ?? '')?.[1]);
    const version = expected + 1;
    const doc = JSON.stringify({
      schemaVersion: 1,
      version,
      payload: { sessionId: request.params.id, selectedOptions: request.body.selectedOptions },
    });
    const [code, stored] = await evalsha(
      script.sha,
      1,
      keyOf(request.params.tenantId, request.params.id),
      'replace',
      version,
      doc,
      TTL,
      1,
    );
    if (code !== 1) return reply.code(412).send({ status: 412, version: stored });
    return reply.header('etag', `"${version}"`).send({ sessionId: request.params.id, version });
  },
);

const close = () => {
  void app.close().finally(() => {
    session.disconnect();
    process.exit(0);
  });
};
process.once('SIGTERM', close);
process.once('SIGINT', close);

session
  .script('LOAD', script.lua)
  .then((sha) => {
    if (sha !== script.sha) throw new Error(`SCRIPT LOAD returned ${String(sha)}, expected ${script.sha}`);
    return app.listen({ host: '127.0.0.1', port });
  })
  .then(
    () => console.log(`bare route listening on ${port} (writeVersioned ${script.sha})`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
