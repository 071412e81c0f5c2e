import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import {
  ConfigClient,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  sleep,
  startCatalog,
  startConfig,
  type ConfigInstance,
} from './config-fixture';

const TTL_S = 3;

/**
 * Sliding expiry with a shortened lifetime (CONFIG_SESSION_TTL_SECONDS=3), on a private session Redis that the
 * tests restart empty. The steps of each test build on each other.
 */
describe('draft lifetime: sliding TTL, expiry, and an expired draft never coming back', () => {
  const appEnv = newAppEnv();
  let redis: RedisProcess;
  let svc: ConfigInstance;
  let tenant: string;
  let alice: ConfigClient;

  const keyOf = (id: string) => `${appEnv}:config-service:${tenant}:config-session:draft:${id}`;
  const pttl = (id: string) => svc.runtime.redis.connection('session').client.pttl(keyOf(id));
  const snapshot = async (id: string) =>
    (
      await sql<{ version: number; status: string; expires_at: Date }>`
        select version, status, expires_at from config.session_snapshots where tenant_id = ${tenant} and session_id = ${id}`.execute(
        svc.runtime.database.db,
      )
    ).rows[0];
  const restartRedisEmpty = async () => {
    await redis.restart();
    // the service's client reconnects by itself; wait until it answers again
    for (let i = 0; i < 100 && svc.runtime.redis.connection('session').client.status !== 'ready'; i++)
      await sleep(50);
  };

  beforeAll(async () => {
    redis = await startRedisProcess();
    const catalog = await startCatalog(appEnv);
    svc = await startConfig(appEnv, catalog.url, {
      REDIS_SESSION_URL: redis.url,
      CONFIG_SESSION_TTL_SECONDS: String(TTL_S),
    });
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(2));
    alice = await ConfigClient.of(svc.url, tenant);
  });
  afterAll(async () => {
    await svc?.close();
    await redis?.stop();
  });

  it('every read and every write slides the TTL and moves expiresAt', async () => {
    const created = await alice.create();
    const id = created.body.sessionId as string;
    const expiresAt = (body: { expiresAt: string }) => Date.parse(body.expiresAt);
    expect(expiresAt(created.body) - Date.now()).toBeGreaterThan(TTL_S * 1000 - 1000);
    expect(expiresAt(created.body) - Date.now()).toBeLessThanOrEqual(TTL_S * 1000);
    await sleep(1_500);
    expect(await pttl(id)).toBeLessThan(2_000);
    const read = await alice.get(id);
    expect(expiresAt(read.body) - expiresAt(created.body)).toBeGreaterThanOrEqual(1_400);
    expect(await pttl(id)).toBeGreaterThan(2_000);
    await sleep(1_500);
    const written = await alice.put(id, 1, [{ offerId: 'offer-0000', quantity: 1 }]);
    expect(expiresAt(written.body) - expiresAt(read.body)).toBeGreaterThanOrEqual(1_400);
    expect(await pttl(id)).toBeGreaterThan(2_000);
    // more than one lifetime after creation, alive thanks to the activity
    expect((await alice.get(id)).status).toBe(200);
  });

  it('a draft left alone expires: 404 on every route, and it stays 404 although its snapshot is still there', async () => {
    const id = await alice.newSession();
    await alice.put(id, 1, [{ offerId: 'offer-0001', quantity: 1 }]);
    await sleep(TTL_S * 1000 + 700);
    expect((await alice.get(id)).status).toBe(404);
    expect((await alice.put(id, 2, [])).status).toBe(404);
    expect((await alice.finalize(id, 2)).status).toBe(404);
    const row = await snapshot(id);
    expect(row).toMatchObject({ version: 2, status: 'DRAFT' }); // kept until the retention purge
    expect(row!.expires_at.getTime()).toBeLessThan(Date.now());
    // Redis restarted empty: the snapshot is all there is, and it says the draft expired
    await restartRedisEmpty();
    expect((await alice.get(id)).status).toBe(404);
    expect((await alice.put(id, 2, [])).status).toBe(404);
    expect((await alice.get(id)).status).toBe(404);
  });

  it('a draft kept alive by reads alone survives a Redis loss (reads refresh the snapshot activity)', async () => {
    const id = await alice.newSession();
    await alice.put(id, 1, [{ offerId: 'offer-0001', quantity: 3 }]);
    const until = Date.now() + (TTL_S + 2) * 1000;
    while (Date.now() < until) {
      expect((await alice.get(id)).status).toBe(200);
      await sleep(500);
    }
    await restartRedisEmpty();
    const back = await alice.get(id);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({
      version: 2,
      selectedOptions: [{ offerId: 'offer-0001', quantity: 3 }],
    });
    expect((await alice.put(id, 2, [])).status).toBe(200);
  });
});
