import { createDatabase } from '@cpq/platform';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import { uniqueId } from '../../../test/support/unique';
import type { ConfigTables } from '../src/adapters/config.tables';
import { KyselyConfigRepository } from '../src/adapters/kysely-config.repository';
import type { SnapshotRecord } from '../src/application/config-repository';
import { snapshotRecord } from './config-fixture';

const databases = [0, 1].map(() => createDatabase<ConfigTables>({ url: infraEnv().databaseUrl, poolMax: 1 }));
afterAll(() => Promise.all(databases.map((d) => d.close())));

function snapshotsOf(tenantId: string, sessionIds: string[], version: number): SnapshotRecord[] {
  return sessionIds.map((sessionId) => snapshotRecord(tenantId, sessionId, { version }));
}

/**
 * The write-behind of two instances flushing batches that hold the same sessions (a client whose writes reach both
 * instances within the lag): before the batches were put in one order, most rounds deadlocked (10 of 10, 25 of 30).
 */
describe('snapshot batches of two instances', () => {
  it('never deadlock, whatever order each batch lists the same sessions in', async () => {
    const [a, b] = databases.map((d) => new KyselyConfigRepository(d.db as Kysely<ConfigTables>));
    const tenant = uniqueId('t').slice(0, 40);
    const sessionIds = Array.from({ length: 200 }, () => uuidv7());
    const failures: unknown[] = [];
    for (let round = 1; round <= 10; round++) {
      const results = await Promise.allSettled([
        a!.upsertSnapshots(snapshotsOf(tenant, sessionIds, 2 * round)),
        b!.upsertSnapshots(snapshotsOf(tenant, [...sessionIds].reverse(), 2 * round + 1)),
      ]);
      for (const r of results) if (r.status === 'rejected') failures.push(r.reason);
    }
    expect(failures.map((f) => String((f as Error).cause ?? f))).toEqual([]);
  });
});
