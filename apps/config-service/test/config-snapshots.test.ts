import { countQueries, JobFencedOutError, type JobContext } from '@cpq/platform';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '../src/application/config-repository';
import {
  ConfigClient,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  sleep,
  snapshotRecord,
  startCatalog,
  startConfig,
  type CatalogInstance,
  type ConfigInstance,
} from './config-fixture';

const HOUR = 3_600_000;

function snapshot(tenantId: string, expiresInMs: number, version = 1): SnapshotRecord {
  return snapshotRecord(tenantId, uuidv7(), { version, expiresAt: new Date(Date.now() + expiresInMs) });
}

describe('snapshots in PostgreSQL: batching, shutdown flush, retention purge under a fenced lease', () => {
  const appEnv = newAppEnv();
  let catalog: CatalogInstance;
  let svc: ConfigInstance;
  let tenant: string;

  const sessionIdsOf = async (tenantId: string) =>
    (
      await sql<{
        session_id: string;
      }>`select session_id from config.session_snapshots where tenant_id = ${tenantId}`.execute(
        svc.runtime.database.db,
      )
    ).rows
      .map((r) => r.session_id)
      .sort();

  beforeAll(async () => {
    catalog = await startCatalog(appEnv);
    svc = await startConfig(appEnv, catalog.url, {
      CONFIG_SNAPSHOT_RETENTION_HOURS: '5',
      CONFIG_UPDATES_PER_MIN: '100000',
    });
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(5));
  });

  it('200 acknowledged writes of 20 sessions reach PostgreSQL in a few multi-row statements (lag 2000)', async () => {
    const alice = await ConfigClient.of(svc.url, tenant);
    const ids = await Promise.all(Array.from({ length: 20 }, () => alice.newSession()));
    await svc.runtime.writeBehind.flush();
    const queries = countQueries(svc.runtime.database);
    try {
      await Promise.all(
        ids.map(async (id) => {
          for (let v = 1; v <= 10; v++)
            expect((await alice.put(id, v, [{ offerId: 'offer-0001', quantity: v }])).status).toBe(200);
        }),
      );
      await sleep(1_500); // half the lag, and the statement
      await svc.runtime.writeBehind.flush();
      const upserts = queries.statements.filter((s) =>
        s.startsWith('insert into "config"."session_snapshots"'),
      );
      expect(upserts.length).toBeGreaterThan(0);
      expect(upserts.length).toBeLessThanOrEqual(200 * 0.2);
      const rows = await sql<{ version: number }>`select version from config.session_snapshots
        where tenant_id = ${tenant} and session_id in (${sql.join(ids)})`.execute(svc.runtime.database.db);
      expect(rows.rows.map((r) => r.version)).toEqual(ids.map(() => 11));
    } finally {
      queries.stop();
    }
  });

  it('graceful shutdown sends the snapshots still waiting', async () => {
    const slow = await startConfig(appEnv, catalog.url, { CONFIG_SNAPSHOT_MAX_LAG_MS: '60000' });
    const alice = await ConfigClient.of(slow.url, tenant);
    const id = await alice.newSession();
    await alice.put(id, 1, [{ offerId: 'offer-0002', quantity: 1 }]);
    const versionInPostgres = async () =>
      (
        await sql<{ version: number }>`select version from config.session_snapshots
          where tenant_id = ${tenant} and session_id = ${id}`.execute(svc.runtime.database.db)
      ).rows[0]?.version;
    expect(await versionInPostgres()).toBeUndefined();
    await slow.close();
    expect(await versionInPostgres()).toBe(2);
  });

  it('purges DRAFT snapshots expired longer than the retention ago; keeps recent, live and FINALIZED ones', async () => {
    const purgeTenant = newTenant();
    const old = snapshot(purgeTenant, -6 * HOUR);
    const recent = snapshot(purgeTenant, -4 * HOUR);
    const live = snapshot(purgeTenant, 10 * 60_000);
    const finalizedOld = snapshot(purgeTenant, -30 * HOUR);
    await svc.runtime.repository.upsertSnapshots([old, recent, live, finalizedOld]);
    await sql`update config.session_snapshots set status = 'FINALIZED'
      where tenant_id = ${purgeTenant} and session_id = ${finalizedOld.sessionId}`.execute(
      svc.runtime.database.db,
    );
    const purged = await svc.runtime.purgeNow();
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await sessionIdsOf(purgeTenant)).toEqual(
      [recent.sessionId, live.sessionId, finalizedOld.sessionId].sort(),
    );
  });

  it('a holder whose lease has passed to a newer one deletes nothing, in a transaction of its own or not', async () => {
    const job = `purge-test-${Date.now()}`;
    const { jobs, repository } = svc.runtime;
    // Holder A runs (its token claimed)... and is paused: it holds on to its context past its lease.
    let paused: JobContext | undefined;
    const first = await jobs.runOnce(job, { ttlMs: 5_000 }, async (ctx) => {
      paused = ctx;
    });
    expect(first.ran).toBe(true);
    // Holder B gets the lease (a newer token) and runs.
    const second = await jobs.runOnce(job, { ttlMs: 5_000 }, async (ctx) =>
      ctx.transaction(async () => undefined),
    );
    expect(second.ran && second.fencingToken > paused!.fencingToken).toBe(true);
    const fencedTenant = newTenant();
    const expired = [snapshot(fencedTenant, -10 * HOUR), snapshot(fencedTenant, -20 * HOUR)];
    await repository.upsertSnapshots(expired);
    // A wakes up: its next transaction is refused...
    await expect(
      paused!.transaction((trx) => repository.purgeExpiredDrafts(trx, 5, paused!.holdsFence, 1000)),
    ).rejects.toBeInstanceOf(JobFencedOutError);
    // ...and a delete it had already sent finds its fence gone.
    expect(await repository.purgeExpiredDrafts(svc.runtime.database.db, 5, paused!.holdsFence, 1000)).toBe(0);
    expect(await sessionIdsOf(fencedTenant)).toEqual(expired.map((s) => s.sessionId).sort());
    // The newest holder's purge deletes them.
    const third = await jobs.runOnce(job, { ttlMs: 5_000 }, (ctx) =>
      ctx.transaction((trx) => repository.purgeExpiredDrafts(trx, 5, ctx.holdsFence, 1000)),
    );
    expect(third.ran && third.value).toBeGreaterThanOrEqual(2);
    expect(await sessionIdsOf(fencedTenant)).toEqual([]);
  });
});
