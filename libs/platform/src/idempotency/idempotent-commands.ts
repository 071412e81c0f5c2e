import { createHash } from 'node:crypto';
import type { IdempotencyResponseCache, IdempotentResponse } from '@cpq/redis-runtime';
import { sql, type Kysely, type Transaction } from 'kysely';
import { assertSchemaName } from '../database/schema-name';
import { ProblemError, ProblemType } from '../http/problem';

/** The response header that marks a replayed answer. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

export interface IdempotentCommandsOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  /** The schema holding `idempotency_keys` (see `idempotencyDdl`). */
  schema: string;
  /** The Redis fast layer; without it (or while Redis fails) PostgreSQL alone decides, just as correctly. */
  cache?: IdempotencyResponseCache;
  /** How long a key is remembered. @default 86400 (the contract's 24 h) */
  retentionSeconds?: number;
  /** Lifetime of the Redis in-flight marker: about the longest a command takes (the family allows 60 s and up). @default 60 */
  inFlightSeconds?: number;
  /** `Retry-After` of the 409 answered while the same request is in flight. @default 1 */
  retryAfterSeconds?: number;
  /** Longest wait for another attempt holding the same key before answering 409. @default 5000 */
  lockWaitMs?: number;
}

export interface IdempotentRequest {
  tenantId: string;
  /** The client's `Idempotency-Key` (validated, e.g. by `requiredIdempotencyKey`); stored and cached only hashed. */
  idempotencyKey: string;
  /** `requestHashOf(...)` of the request. */
  requestHash: string;
  /** The command, in the transaction that also records the key: its response is what a repeat gets back. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  execute(trx: Transaction<any>): Promise<IdempotentResponse>;
}

export interface IdempotentOutcome {
  response: IdempotentResponse;
  /** True when this is the stored response of an earlier request (send `Idempotent-Replayed: true`). */
  replayed: boolean;
}

interface StoredRow {
  request_hash: string;
  http_status: number | null;
  response_body: unknown;
  resource_id: string | null;
}

/**
 * Runs a command at most once per (tenant, Idempotency-Key), as the contract's `POST /orders` requires.
 *
 * PostgreSQL decides: the command's transaction first claims the key in `idempotency_keys` (a concurrent request
 * with the same key waits on the primary key until this one commits or rolls back), runs the command and stores its
 * response; a repeat finds the committed row and gets that response back. Redis only answers repeats sooner and
 * turns a concurrent duplicate into a quick 409 instead of a wait: with Redis down or evicted, duplicates still
 * never execute twice. A key reused for a different request → 422; the same request while the first is still
 * running → 409 with `Retry-After`.
 */
export class IdempotentCommands {
  private readonly table: string;
  private readonly retentionSeconds: number;
  private readonly inFlightSeconds: number;
  private readonly retryAfterSeconds: number;
  private readonly lockWaitMs: number;

  constructor(private readonly options: IdempotentCommandsOptions) {
    this.table = `${assertSchemaName(options.schema)}.idempotency_keys`;
    this.retentionSeconds = options.retentionSeconds ?? 86_400;
    this.inFlightSeconds = options.inFlightSeconds ?? 60;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.lockWaitMs = Math.max(1, Math.floor(options.lockWaitMs ?? 5000));
  }

  async run(request: IdempotentRequest): Promise<IdempotentOutcome> {
    const cache = this.options.cache;
    let markerHeld = false;
    if (cache) {
      const begun = await cache.begin(
        request.tenantId,
        request.idempotencyKey,
        request.requestHash,
        this.inFlightSeconds,
      );
      if (begun.outcome === 'completed') {
        if (!begun.sameRequest) throw keyReused();
        return { response: begun.response, replayed: true };
      }
      if (begun.outcome === 'in-flight') throw begun.sameRequest ? this.inFlight() : keyReused();
      markerHeld = begun.outcome === 'started';
    }
    let outcome: IdempotentOutcome;
    try {
      outcome = await this.decideInPostgres(request);
    } catch (error) {
      if (markerHeld) await cache!.abandon(request.tenantId, request.idempotencyKey, request.requestHash);
      throw error;
    }
    // Our marker becomes the response (a replay found in PostgreSQL heals an evicted or lost cache entry too).
    if (markerHeld) {
      await cache!.complete(
        request.tenantId,
        request.idempotencyKey,
        request.requestHash,
        outcome.response,
        this.retentionSeconds,
      );
    }
    return outcome;
  }

  /** Deletes up to `limit` records past their retention; returns how many. */
  async purgeExpired(limit = 1000): Promise<number> {
    const result = await sql`delete from ${sql.raw(this.table)} where ctid in (
        select ctid from ${sql.raw(this.table)} where expires_at <= now() limit ${limit})`.execute(
      this.options.db,
    );
    return Number(result.numAffectedRows ?? 0);
  }

  private decideInPostgres(request: IdempotentRequest): Promise<IdempotentOutcome> {
    const keyHash = createHash('sha256').update(request.idempotencyKey).digest('hex');
    const table = sql.raw(this.table);
    return this.options.db.transaction().execute(async (trx) => {
      // Waiting for another attempt holding the key is bounded: past `lockWaitMs` this answers 409 rather than
      // hold a pooled connection for as long as that attempt runs (a retry storm with Redis down). The command
      // itself runs without that bound.
      await sql.raw(`set local lock_timeout = ${this.lockWaitMs}`).execute(trx);
      // Claims the key, or reuses a record past its retention. When another transaction holds the key, this waits
      // for it; a live committed record then makes it return nothing (and stays locked until we finish).
      const claimed = await sql<{ key_hash: string }>`
        insert into ${table} (tenant_id, key_hash, request_hash, expires_at)
        values (${request.tenantId}, ${keyHash}, ${request.requestHash},
                now() + ${this.retentionSeconds} * interval '1 second')
        on conflict (tenant_id, key_hash) do update
          set request_hash = excluded.request_hash, http_status = null, response_body = null,
              resource_id = null, created_at = now(), expires_at = excluded.expires_at
          where ${table}.expires_at <= now()
        returning key_hash`
        .execute(trx)
        .catch((error: unknown) => {
          throw isLockTimeout(error) ? this.inFlight() : error;
        });
      await sql`set local lock_timeout to default`.execute(trx);
      if (claimed.rows.length === 0) return this.replay(trx, request, keyHash);
      const response = await request.execute(trx);
      await sql`
        update ${table} set http_status = ${response.httpStatus},
          response_body = ${JSON.stringify(response.responseBody ?? null)}::jsonb,
          resource_id = ${response.resourceId ?? null}
        where tenant_id = ${request.tenantId} and key_hash = ${keyHash}`.execute(trx);
      return { response, replayed: false };
    });
  }

  private async replay(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    trx: Transaction<any>,
    request: IdempotentRequest,
    keyHash: string,
  ): Promise<IdempotentOutcome> {
    const stored = await sql<StoredRow>`
      select request_hash, http_status, response_body, resource_id from ${sql.raw(this.table)}
      where tenant_id = ${request.tenantId} and key_hash = ${keyHash}`.execute(trx);
    const row = stored.rows[0];
    if (row && row.request_hash !== request.requestHash) throw keyReused();
    // No row (purged meanwhile) or no response yet: both only while another attempt is finishing.
    if (!row || row.http_status === null) throw this.inFlight();
    return {
      response: {
        httpStatus: row.http_status,
        responseBody: row.response_body,
        ...(row.resource_id === null ? {} : { resourceId: row.resource_id }),
      },
      replayed: true,
    };
  }

  private inFlight(): ProblemError {
    return new ProblemError({
      type: ProblemType.conflict,
      title: 'Request in progress',
      status: 409,
      detail:
        'A request with this Idempotency-Key is still being processed: retry after the indicated delay.',
      headers: { 'Retry-After': String(this.retryAfterSeconds) },
    });
  }
}

/** PostgreSQL `lock_not_available`: `lock_timeout` ran out. */
function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '55P03';
}

function keyReused(): ProblemError {
  return new ProblemError({
    type: ProblemType.unprocessable,
    title: 'Idempotency-Key reused',
    status: 422,
    detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
  });
}
