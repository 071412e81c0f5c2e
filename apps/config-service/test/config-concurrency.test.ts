import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
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

/** The snapshot row of a session, as PostgreSQL has it. */
async function snapshotOf(svc: ConfigInstance, tenant: string, sessionId: string) {
  const rows = await sql<{ version: number; document: { selectedOptions: unknown[] } }>`
    select version, document from config.session_snapshots where tenant_id = ${tenant} and session_id = ${sessionId}`.execute(
    svc.runtime.database.db,
  );
  return rows.rows[0];
}

describe('two tabs and many: compare-and-set on the draft version (lag 2000 ms, the default)', () => {
  const appEnv = newAppEnv();
  let svc: ConfigInstance;
  let alice: ConfigClient;
  let tenant: string;

  beforeAll(async () => {
    const catalog = await startCatalog(appEnv);
    // This file is about compare-and-set semantics, not budgets: a session Redis slower than its budget answers 503
    // ("may have been made"), an outcome these counts cannot attribute, so the budget is wide enough that a busy
    // machine does not produce one (budgets have their own tests in config-redis-faults.test.ts).
    svc = await startConfig(appEnv, catalog.url, {
      CONFIG_UPDATES_PER_MIN: '100000',
      REDIS_SESSION_TIMEOUT_MS: '2000',
    });
    tenant = newTenant();
    await publishCatalog(catalog.url, tenant, plainOffers(20));
    alice = await ConfigClient.of(svc.url, tenant);
  });

  it('50 concurrent writers with the same If-Match: exactly one 200, 49 x 412, and the winner is what is stored', async () => {
    const id = await alice.newSession();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => alice.put(id, 1, [{ offerId: 'offer-0001', quantity: i + 1 }])),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(49);
    const winner = answers.find((a) => a.status === 200)!;
    const read = await alice.get(id);
    expect(read.body.version).toBe(2);
    expect(read.body.selectedOptions).toEqual(winner.body.selectedOptions);
  });

  it('1,000 writes from 10 tabs: every version acknowledged exactly once, snapshots never go back, the last one is stored', async () => {
    const id = await alice.newSession();
    const acknowledged: { version: number; marker: number }[] = [];
    const observed: number[] = [];
    let writing = true;
    // Samples the snapshot while the tabs write: its version must never go down.
    const sampler = (async () => {
      while (writing) {
        const row = await snapshotOf(svc, tenant, id);
        if (row) observed.push(row.version);
        await sleep(20);
      }
    })();
    let next = 0;
    const tab = async () => {
      let version = 1;
      while (next < 1000) {
        const marker = next;
        const answer = await alice.put(id, version, [
          { offerId: `offer-${String(marker % 20).padStart(4, '0')}`, quantity: marker + 1 },
        ]);
        if (answer.status === 200) {
          next++;
          acknowledged.push({ version: answer.body.version, marker });
          version = answer.body.version;
        } else if (answer.status === 412) {
          version = (await alice.get(id)).body.version; // read again, as a tab does
        } else {
          throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, tab));
    writing = false;
    await sampler;

    const versions = acknowledged.map((a) => a.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: acknowledged.length }, (_, i) => i + 2)); // none skipped or repeated
    expect(acknowledged.length).toBeGreaterThanOrEqual(1000);
    const last = acknowledged.reduce((a, b) => (b.version > a.version ? b : a));
    const read = await alice.get(id);
    expect(read.body.version).toBe(last.version);
    expect(read.body.selectedOptions[0].quantity).toBe(last.marker + 1);

    for (let i = 1; i < observed.length; i++) expect(observed[i]).toBeGreaterThanOrEqual(observed[i - 1]!);
    // within the lag, the snapshot holds the last acknowledged version and its content
    await sleep(2_000);
    const snapshot = await snapshotOf(svc, tenant, id);
    expect(snapshot?.version).toBe(last.version);
    expect(snapshot?.document.selectedOptions).toEqual(read.body.selectedOptions);
  }, 120_000);
});
