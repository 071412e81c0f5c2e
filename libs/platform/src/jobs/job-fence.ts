import { sql, type Kysely, type RawBuilder } from 'kysely';
import { assertSchemaName } from '../database/schema-name';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Executor = Kysely<any>;

/**
 * One run's fence in `<schema>.job_fences` (see `jobFencesDdl`): the SQL that claims the job for the run's fencing
 * token, and the condition a fenced statement puts in its `WHERE`.
 */
export class JobFence {
  /** `exists (select 1 from <schema>.job_fences where job_name = .. and fencing_token = ..)` */
  readonly holds: RawBuilder<boolean>;
  private readonly table: RawBuilder<unknown>;
  private readonly token: string;

  constructor(
    schema: string,
    readonly jobName: string,
    readonly fencingToken: bigint,
  ) {
    this.table = sql.raw(`${assertSchemaName(schema)}.job_fences`);
    this.token = fencingToken.toString();
    this.holds = sql<boolean>`exists (select 1 from ${this.table} where job_name = ${jobName} and fencing_token = ${this.token})`;
  }

  /**
   * Records this token as the job's newest, unless a newer one already claimed it: false then. Claiming again with
   * the same token succeeds. Inside a transaction, the row stays locked until it ends, so a newer token's claim
   * waits for it: nothing a newer run does interleaves with the transaction.
   */
  async claim(db: Executor): Promise<boolean> {
    const claimed = await sql`
      insert into ${this.table} as f (job_name, fencing_token) values (${this.jobName}, ${this.token})
      on conflict (job_name) do update
        set fencing_token = excluded.fencing_token,
            claimed_at = case when f.fencing_token < excluded.fencing_token then now() else f.claimed_at end
        where f.fencing_token <= excluded.fencing_token
      returning job_name`.execute(db);
    return claimed.rows.length === 1;
  }
}

/** Whether a run of `jobName` started (first claimed the job) less than `ms` ago, by the database's clock. */
export async function startedWithin(
  db: Executor,
  schema: string,
  jobName: string,
  ms: number,
): Promise<boolean> {
  const table = sql.raw(`${assertSchemaName(schema)}.job_fences`);
  const { rows } = await sql<{ recent: boolean }>`
    select claimed_at > now() - ${ms} * interval '1 millisecond' as recent from ${table}
    where job_name = ${jobName}`.execute(db);
  return rows[0]?.recent === true;
}
