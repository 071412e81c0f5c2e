import { TOPICS } from '@cpq/contracts';
import { sql } from 'kysely';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import {
  ConfigClient,
  newAppEnv,
  newTenant,
  plainOffers,
  publishCatalog,
  sleep,
  startCatalog,
  startConfig,
  waitFor,
  type ConfigInstance,
} from './config-fixture';
import { tailTopic, type TailedMessage } from './kafka-tail';

/**
 * Finalize: one PostgreSQL transaction (configuration, FINALIZED snapshot, outbox row), all or nothing, and
 * exactly one cpq.config.finalized.v1 per configuration on Kafka (the outbox relay runs in this instance).
 */
describe('finalize: all or nothing, exactly one event per configuration', () => {
  const appEnv = newAppEnv();
  let svc: ConfigInstance;
  let tenant: string;
  let alice: ConfigClient;
  let tail: { messages: TailedMessage[]; stop(): Promise<void> };
  /** Every configuration id a finalize answered 200 with. */
  const finalized = new Set<string>();

  beforeAll(async () => {
    tail = await tailTopic(TOPICS.configFinalized);
    const catalog = await startCatalog(appEnv);
    svc = await startConfig(appEnv, catalog.url, { CONFIG_SNAPSHOT_MAX_LAG_MS: '0', CONFIG_EVENTS: 'on' });
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(5));
    alice = await ConfigClient.of(svc.url, tenant);
  });
  afterAll(async () => {
    await tail?.stop();
  });

  /** A session at version 2 with a valid selection. */
  const readySession = async () => {
    const id = await alice.newSession();
    expect((await alice.put(id, 1, [{ offerId: 'offer-0001', quantity: 2 }])).status).toBe(200);
    return id;
  };

  const rowsOf = async (sessionId: string) => {
    const db = svc.runtime.database.db;
    const [configurations, outbox, snapshot] = await Promise.all([
      sql<{ n: number }>`select count(*)::int as n from config.configurations
        where tenant_id = ${tenant} and session_id = ${sessionId}`.execute(db),
      sql<{ n: number }>`select count(*)::int as n from config.outbox
        where envelope->>'tenantId' = ${tenant} and envelope->'payload'->>'sessionId' = ${sessionId}`.execute(
        db,
      ),
      sql<{ status: string; version: number }>`select status, version from config.session_snapshots
        where tenant_id = ${tenant} and session_id = ${sessionId}`.execute(db),
    ]);
    return {
      configurations: configurations.rows[0]!.n,
      outbox: outbox.rows[0]!.n,
      snapshot: snapshot.rows[0],
    };
  };

  it('PostgreSQL connection killed mid-transaction: nothing is visible, and finalize sent again succeeds', async () => {
    const id = await readySession();
    const blocker = new Client({
      connectionString: infraEnv().databaseUrl,
      application_name: 'config-test-blocker',
    });
    await blocker.connect();
    try {
      // Hold the snapshot row: the finalize transaction inserts its configuration, then waits on this lock.
      await blocker.query('begin');
      await blocker.query(
        'select 1 from config.session_snapshots where tenant_id = $1 and session_id = $2 for update',
        [tenant, id],
      );
      const blockerPid = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!
        .pid;
      const answer = alice.finalize(id, 2);
      const victim = await waitFor('the finalize transaction to wait on the lock', async () => {
        const rows = await blocker.query<{ pid: number }>(
          'select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
          [blockerPid],
        );
        return rows.rows[0]?.pid;
      });
      await blocker.query('select pg_terminate_backend($1)', [victim]);
      const failed = await answer;
      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    expect(await rowsOf(id)).toEqual({
      configurations: 0,
      outbox: 0,
      snapshot: { status: 'DRAFT', version: 2 },
    });
    // The draft stays sealed for the finalize: no selection update gets in between...
    expect((await alice.put(id, 3, [{ offerId: 'offer-0002', quantity: 1 }])).status).toBe(409);
    // ...and finalize sent again (same If-Match) completes it.
    const retried = await alice.finalize(id, 2);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ sessionId: id, status: 'FINALIZED', version: 3 });
    finalized.add(retried.body.configurationId);
    expect(await rowsOf(id)).toEqual({
      configurations: 1,
      outbox: 1,
      snapshot: { status: 'FINALIZED', version: 3 },
    });
    expect((await alice.finalize(id, 3)).status).toBe(409);
  });

  it('finalize sent twice at once: one 200, the other refused; one configuration, one outbox row', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await readySession();
      const answers = await Promise.all([alice.finalize(id, 2), alice.finalize(id, 2)]);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses[0]).toBe(200);
      expect([409, 412]).toContain(statuses[1]);
      finalized.add(answers.find((a) => a.status === 200)!.body.configurationId);
      expect(await rowsOf(id)).toMatchObject({ configurations: 1, outbox: 1 });
    }
  });

  it('exactly one cpq.config.finalized.v1 per configuration reaches Kafka, with the contract payload', async () => {
    const ours = () => tail.messages.filter((m) => m.value?.tenantId === tenant);
    await waitFor('the events', async () => (ours().length >= finalized.size ? true : undefined), 30_000);
    await sleep(1_500); // a duplicate would arrive now
    const events = ours();
    expect(events.map((e) => e.value.payload.configurationId).sort()).toEqual([...finalized].sort());
    for (const event of events) {
      expect(event.key).toBe(`${tenant}:${event.value.payload.configurationId}`);
      expect(event.value).toMatchObject({
        eventType: TOPICS.configFinalized,
        schemaVersion: 1,
        tenantId: tenant,
        aggregateId: event.value.payload.configurationId,
        payload: {
          ownerSub: 'alice',
          catalogVersion: 1,
          selectedOptions: [{ offerId: 'offer-0001', quantity: 2 }],
        },
      });
    }
  }, 60_000);
});
