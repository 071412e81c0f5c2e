import { type Kysely, sql } from 'kysely';
import { assertSchemaName } from '../database/schema-name';

/**
 * The DDL of one schema's job fences: per job, the fencing token of the newest run that claimed it. A service's
 * migration writes this SQL itself (migrations import no app code); tests use it to build throwaway schemas.
 *
 * `claimed_at` is when the current token first claimed the job, i.e. when its run started: a schedule reads it to
 * run a job at most once per interval across instances.
 */
export function jobFencesDdl(schema: string): string[] {
  const s = assertSchemaName(schema);
  return [
    `create table ${s}.job_fences (
  job_name text primary key,
  fencing_token bigint not null,
  claimed_at timestamptz not null default now()
)`,
  ];
}

/** Runs `jobFencesDdl(schema)` (the schema must exist). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createJobFencesTable(db: Kysely<any>, schema: string): Promise<void> {
  for (const statement of jobFencesDdl(schema)) await sql.raw(statement).execute(db);
}
