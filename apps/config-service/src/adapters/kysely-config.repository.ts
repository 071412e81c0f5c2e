import { appendToOutbox, retryableTransaction, TransactionConflictError } from '@cpq/platform';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type {
  ConfigRepository,
  FinalizeCommand,
  FinalizeOutcome,
  SnapshotRecord,
  StoredSnapshot,
} from '../application/config-repository';
import { SnapshotStoreUnavailableError } from '../domain/config.errors';
import type { Configuration } from '../domain/session';
import type { ConfigTables } from './config.tables';

/** Rows per upsert statement: 9 parameters each, far below PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1_000;
/** ...and about this many bytes of documents per statement (a 500-option draft is ~60 KB). */
const BYTES_PER_STATEMENT = 4 * 1024 * 1024;

/** Thrown inside the finalize transaction to roll it back with an outcome. */
function bySession(a: SnapshotRecord, b: SnapshotRecord): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

class Rollback {
  constructor(readonly outcome: FinalizeOutcome) {}
}

export class KyselyConfigRepository implements ConfigRepository {
  constructor(private readonly db: Kysely<ConfigTables>) {}

  async upsertSnapshots(records: readonly SnapshotRecord[]): Promise<number> {
    let statements = 0;
    // One order for every batch of every instance: an upsert locks its rows in the order it lists them, and two
    // batches holding the same sessions in opposite orders deadlock (SQLSTATE 40P01).
    const ordered = [...records].sort(bySession);
    for (const chunk of chunks(ordered)) {
      await guarded('the snapshots could not be written', () =>
        this.upsert(this.db, chunk, 'DRAFT').execute(),
      );
      statements++;
    }
    return statements;
  }

  async findSnapshot(tenantId: string, sessionId: string): Promise<StoredSnapshot | undefined> {
    const row = await guarded('the snapshot could not be read', () =>
      this.db
        .selectFrom('config.session_snapshots')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('session_id', '=', sessionId)
        .executeTakeFirst(),
    );
    return (
      row && {
        tenantId: row.tenant_id,
        sessionId: row.session_id,
        ownerSub: row.owner_sub,
        status: row.status,
        version: row.version,
        catalogVersion: row.catalog_version,
        document: row.document,
        lastActivityAt: row.last_activity_at,
        expiresAt: row.expires_at,
      }
    );
  }

  async finalize(command: FinalizeCommand): Promise<FinalizeOutcome> {
    const { snapshot, configurationId } = command;
    try {
      return await retryableTransaction(this.db, async (trx) => {
        const inserted = await trx
          .insertInto('config.configurations')
          .values({
            tenant_id: snapshot.tenantId,
            configuration_id: configurationId,
            session_id: snapshot.sessionId,
            owner_sub: snapshot.ownerSub,
            catalog_version: snapshot.catalogVersion,
            selected_options: JSON.stringify(snapshot.document.selectedOptions),
            session_version: snapshot.version,
            request_id: command.requestId ?? null,
          })
          .onConflict((oc) => oc.columns(['tenant_id', 'session_id']).doNothing())
          .returning(['finalized_at'])
          .executeTakeFirst();
        if (inserted === undefined) {
          const existing = await this.configurationIdOf(trx, snapshot.tenantId, snapshot.sessionId);
          throw new Rollback({ outcome: 'already-finalized', configurationId: existing ?? configurationId });
        }
        const marked = await this.upsert(trx, [snapshot], 'FINALIZED')
          .returning('version')
          .executeTakeFirst();
        if (marked === undefined) {
          const stored = await trx
            .selectFrom('config.session_snapshots')
            .select('version')
            .where('tenant_id', '=', snapshot.tenantId)
            .where('session_id', '=', snapshot.sessionId)
            .executeTakeFirst();
          throw new Rollback({ outcome: 'stale', storedVersion: stored?.version ?? snapshot.version });
        }
        await appendToOutbox(trx, 'config', command.event, command.requestId);
        return { outcome: 'finalized', finalizedAt: inserted.finalized_at } as const;
      });
    } catch (error) {
      if (error instanceof Rollback) return error.outcome;
      // lost to concurrent writes on every attempt: the platform's 503 transaction-conflict
      if (error instanceof TransactionConflictError) throw error;
      throw new SnapshotStoreUnavailableError('the finalize transaction did not commit; send it again', {
        cause: error,
      });
    }
  }

  async findConfiguration(tenantId: string, configurationId: string): Promise<Configuration | undefined> {
    const row = await guarded('the configuration could not be read', () =>
      this.db
        .selectFrom('config.configurations')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('configuration_id', '=', configurationId)
        .executeTakeFirst(),
    );
    return (
      row && {
        configurationId: row.configuration_id,
        sessionId: row.session_id,
        ownerSub: row.owner_sub,
        status: 'FINALIZED',
        catalogVersion: row.catalog_version,
        selectedOptions: row.selected_options,
        version: row.session_version,
        finalizedAt: row.finalized_at.toISOString(),
      }
    );
  }

  findConfigurationIdOfSession(tenantId: string, sessionId: string): Promise<string | undefined> {
    return guarded('the configuration could not be read', () =>
      this.configurationIdOf(this.db, tenantId, sessionId),
    );
  }

  /**
   * Deletes up to `limit` DRAFT snapshots expired more than `retentionHours` ago, only while `holdsFence` (the purge
   * job's fencing check) is true. Returns the rows deleted.
   */
  async purgeExpiredDrafts(
    db: Kysely<ConfigTables> | Transaction<ConfigTables>,
    retentionHours: number,
    holdsFence: RawBuilder<boolean>,
    limit: number,
  ): Promise<number> {
    const expired = sql<boolean>`status = 'DRAFT' and expires_at < now() - make_interval(hours => ${retentionHours})`;
    const result = await sql`
      delete from config.session_snapshots
      where (tenant_id, session_id) in (
          select tenant_id, session_id from config.session_snapshots where ${expired} limit ${limit})
        and ${expired}
        and ${holdsFence}`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  }

  private async configurationIdOf(
    db: Kysely<ConfigTables> | Transaction<ConfigTables>,
    tenantId: string,
    sessionId: string,
  ): Promise<string | undefined> {
    const row = await db
      .selectFrom('config.configurations')
      .select('configuration_id')
      .where('tenant_id', '=', tenantId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return row?.configuration_id;
  }

  /**
   * One multi-row upsert. A DRAFT snapshot replaces a DRAFT row of a lower version (or the same version with an
   * older last activity); FINALIZED replaces a DRAFT row of the same or a lower version. A FINALIZED row is never
   * touched again. The last activity and the expiry only move forward.
   */
  private upsert(
    db: Kysely<ConfigTables> | Transaction<ConfigTables>,
    records: readonly SnapshotRecord[],
    status: 'DRAFT' | 'FINALIZED',
  ) {
    const versionGuard =
      status === 'DRAFT'
        ? sql<boolean>`(session_snapshots.version < excluded.version or (session_snapshots.version = excluded.version
            and session_snapshots.last_activity_at < excluded.last_activity_at))`
        : sql<boolean>`session_snapshots.version <= excluded.version`;
    return db
      .insertInto('config.session_snapshots')
      .values(
        records.map((r) => ({
          tenant_id: r.tenantId,
          session_id: r.sessionId,
          owner_sub: r.ownerSub,
          status,
          version: r.version,
          catalog_version: r.catalogVersion,
          document: JSON.stringify(r.document),
          last_activity_at: r.lastActivityAt,
          expires_at: r.expiresAt,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'session_id'])
          .doUpdateSet({
            status: (eb) => eb.ref('excluded.status'),
            version: (eb) => eb.ref('excluded.version'),
            document: (eb) => eb.ref('excluded.document'),
            last_activity_at: sql`greatest(session_snapshots.last_activity_at, excluded.last_activity_at)`,
            expires_at: sql`greatest(session_snapshots.expires_at, excluded.expires_at)`,
            updated_at: sql`now()`,
          })
          .where(sql<boolean>`session_snapshots.status = 'DRAFT' and ${versionGuard}`),
      );
  }
}

function* chunks(records: readonly SnapshotRecord[]): Generator<SnapshotRecord[]> {
  let chunk: SnapshotRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.document.selectedOptions.length * 120 + 500;
    if (chunk.length > 0 && (chunk.length >= ROWS_PER_STATEMENT || bytes + size > BYTES_PER_STATEMENT)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

async function guarded<T>(detail: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new SnapshotStoreUnavailableError(detail, { cause: error });
  }
}
