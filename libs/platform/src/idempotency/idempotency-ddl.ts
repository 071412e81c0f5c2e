import { type Kysely, sql } from 'kysely';
import { assertSchemaName } from '../database/schema-name';

/**
 * The DDL of one schema's durable idempotency records (the decision; Redis only caches it). A service's migration
 * writes this SQL itself (migrations import no app code); tests use it to build throwaway schemas.
 *
 * One row per (tenant, hashed key), inserted in the transaction of the command it guards, so it exists if and only
 * if the command committed; `response_body` is what a repeated request gets back, kept as `json` (the exact text:
 * `jsonb` would reorder its keys, and a replay must be byte-identical). Rows past `expires_at` are reused by a new
 * request with the same key and can be purged.
 */
export function idempotencyDdl(schema: string): string[] {
  const s = assertSchemaName(schema);
  return [
    `create table ${s}.idempotency_keys (
  tenant_id text not null,
  key_hash text not null,
  request_hash text not null,
  http_status int,
  response_body json,
  resource_id text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, key_hash)
)`,
    `create index idempotency_keys_expiry_idx on ${s}.idempotency_keys (expires_at)`,
  ];
}

/** Runs `idempotencyDdl(schema)` (the schema must exist). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createIdempotencyTable(db: Kysely<any>, schema: string): Promise<void> {
  for (const statement of idempotencyDdl(schema)) await sql.raw(statement).execute(db);
}
