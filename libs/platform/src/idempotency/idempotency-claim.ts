import type { IdempotentResponse } from '@cpq/redis-runtime';
import { sql, type RawBuilder, type Transaction } from 'kysely';

/** A live (unexpired) committed record: its request and the response it stored. */
export interface StoredRecord {
  request_hash: string;
  http_status: number | null;
  response_body: unknown;
  resource_id: string | null;
}

/**
 * What one claim statement found:
 * - `claimed`: this transaction holds the key now and runs the command;
 * - `busy`: another transaction is deciding the same key (it holds the key's advisory lock);
 * - `stored`: a live committed record answers the request;
 * - `unseen`: the key is taken by a record committed after this statement's snapshot began (read it again).
 */
export type ClaimResult =
  { kind: 'claimed' } | { kind: 'busy' } | { kind: 'stored'; record: StoredRecord } | { kind: 'unseen' };

export interface ClaimInput {
  /** `<schema>.idempotency_keys`, already checked. */
  table: RawBuilder<unknown>;
  /** Text naming the key for its advisory lock (schema, tenant and hashed key). */
  lockName: string;
  tenantId: string;
  keyHash: string;
  requestHash: string;
  retentionSeconds: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Trx = Transaction<any>;

/**
 * One statement: try the key's advisory lock without waiting; holding it, insert the record (or take over one past
 * its retention); and read the live record of the key as this statement's snapshot sees it.
 *
 * Every attempt that may write the key takes its lock first, so a claim never waits on another attempt's
 * uncommitted row: a duplicate sees `busy` at once and gives its pooled connection back instead of queueing on
 * the primary key. The lock is transaction-scoped (released at commit or rollback, also when the process dies and
 * PostgreSQL drops its connection), and PostgreSQL makes a commit visible before it releases the locks, so once
 * the lock is free the committed record is there to find.
 */
export async function claimKey(trx: Trx, input: ClaimInput): Promise<ClaimResult> {
  const { table } = input;
  const result = await sql<StoredRecord & { locked: boolean; claimed: boolean }>`
    with attempt as (
      select pg_try_advisory_xact_lock(hashtextextended(${input.lockName}, 0)) as locked
    ),
    claim as (
      insert into ${table} as k (tenant_id, key_hash, request_hash, expires_at)
      select ${input.tenantId}, ${input.keyHash}, ${input.requestHash},
             now() + ${input.retentionSeconds} * interval '1 second'
      from attempt where locked
      on conflict (tenant_id, key_hash) do update
        set request_hash = excluded.request_hash, http_status = null, response_body = null,
            resource_id = null, created_at = now(), expires_at = excluded.expires_at
        where k.expires_at <= now()
      returning 1
    )
    select a.locked, exists (select 1 from claim) as claimed,
           s.request_hash, s.http_status, s.response_body, s.resource_id
    from attempt a
    left join ${table} s
      on s.tenant_id = ${input.tenantId} and s.key_hash = ${input.keyHash} and s.expires_at > now()`.execute(
    trx,
  );
  const row = result.rows[0]!;
  if (row.claimed) return { kind: 'claimed' };
  // A completed record is final until it expires, whoever holds the lock (e.g. a concurrent replay).
  if (row.request_hash !== null && row.http_status !== null) return { kind: 'stored', record: row };
  return row.locked ? { kind: 'unseen' } : { kind: 'busy' };
}

/** The live record of a key as a new snapshot sees it (after `unseen`). */
export async function readRecord(
  trx: Trx,
  table: RawBuilder<unknown>,
  tenantId: string,
  keyHash: string,
): Promise<StoredRecord | undefined> {
  const result = await sql<StoredRecord>`
    select request_hash, http_status, response_body, resource_id from ${table}
    where tenant_id = ${tenantId} and key_hash = ${keyHash} and expires_at > now()`.execute(trx);
  return result.rows[0];
}

/**
 * Stores the command's response on the claimed record, in the command's transaction. The body is kept as `json`
 * (the exact text), not `jsonb`, which reorders keys: a replay must be byte-identical to the first answer.
 */
export async function storeResponse(
  trx: Trx,
  table: RawBuilder<unknown>,
  tenantId: string,
  keyHash: string,
  response: IdempotentResponse,
): Promise<void> {
  await sql`
    update ${table} set http_status = ${response.httpStatus},
      response_body = ${JSON.stringify(response.responseBody ?? null)}::json,
      resource_id = ${response.resourceId ?? null}
    where tenant_id = ${tenantId} and key_hash = ${keyHash}`.execute(trx);
}
