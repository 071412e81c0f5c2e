import { createHash } from 'node:crypto';
import type { IdempotencyResponseCache, IdempotentResponse } from '@cpq/redis-runtime';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { assertSchemaName } from '../database/schema-name';
import { claimKey, readRecord, storeResponse, type StoredRecord } from './idempotency-claim';
import { idempotencyKeyReused, requestInProgress } from './idempotency-problems';
import { retryableTransaction } from '../database/retryable-transaction';

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
  /** Lifetime of the Redis in-flight marker (the family allows 60 s and up). @default 60 */
  inFlightSeconds?: number;
  /** `Retry-After` of the 409 answered while the same request is in flight. @default 1 */
  retryAfterSeconds?: number;
  /** Longest wait for another attempt holding the same key before answering 409. @default 5000 */
  lockWaitMs?: number;
  /** First pause between two looks at a key another attempt holds; doubles up to `maxPollMs`. @default 10 */
  minPollMs?: number;
  /** @default 200 */
  maxPollMs?: number;
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

/** One decision in progress in this process: same-key requests wait for it instead of asking PostgreSQL. */
interface Flight {
  requestHash: string;
  outcome: Promise<IdempotentOutcome>;
}

const BUSY: unique symbol = Symbol('busy');

/**
 * Runs a command at most once per (tenant, Idempotency-Key), as the contract's `POST /orders` requires.
 *
 * PostgreSQL decides: the command's transaction first claims the key in `idempotency_keys`, runs the command and
 * stores its response, so the record exists if and only if the command committed (a crash rolls both back). A
 * repeat finds the committed record and gets that response back; another request reusing the key gets 422.
 *
 * Duplicates never hold a pooled connection while they wait: the claim takes the key's advisory lock without
 * waiting, and a duplicate that finds it taken ends its transaction at once and looks again a little later (up to
 * `lockWaitMs`, then 409 with `Retry-After`). In one process, concurrent requests with the same key share one
 * decision: a storm of retries costs one PostgreSQL attempt at a time per process.
 *
 * Redis only answers repeats sooner: a completed response found there is replayed without PostgreSQL. Anything
 * else there (nothing, an in-flight marker that may belong to a dead attempt, Redis down or hung) defers to
 * PostgreSQL, so an evicted, flushed or lost entry only costs speed.
 */
export class IdempotentCommands {
  private readonly table: RawBuilder<unknown>;
  private readonly schema: string;
  private readonly retentionSeconds: number;
  private readonly inFlightSeconds: number;
  private readonly retryAfterSeconds: number;
  private readonly lockWaitMs: number;
  private readonly minPollMs: number;
  private readonly maxPollMs: number;
  private readonly flights = new Map<string, Flight>();

  constructor(private readonly options: IdempotentCommandsOptions) {
    this.schema = assertSchemaName(options.schema);
    this.table = sql.raw(`${this.schema}.idempotency_keys`);
    this.retentionSeconds = options.retentionSeconds ?? 86_400;
    this.inFlightSeconds = options.inFlightSeconds ?? 60;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.lockWaitMs = Math.max(0, Math.floor(options.lockWaitMs ?? 5000));
    this.minPollMs = Math.max(1, options.minPollMs ?? 10);
    this.maxPollMs = Math.max(this.minPollMs, options.maxPollMs ?? 200);
  }

  async run(request: IdempotentRequest): Promise<IdempotentOutcome> {
    const keyHash = createHash('sha256').update(request.idempotencyKey).digest('hex');
    const flightKey = `${request.tenantId}\u0000${keyHash}`;
    for (let flight = this.flights.get(flightKey); flight; flight = this.flights.get(flightKey)) {
      if (flight.requestHash === request.requestHash) {
        // The same request is being decided here: its answer is ours, as a replay (errors included), if it comes
        // within the wait a duplicate is allowed.
        const outcome = await this.withinLockWait(flight.outcome);
        return { response: outcome.response, replayed: true };
      }
      // Another request with this key: let it finish, then decide (most likely 422) like any later request.
      await flight.outcome.catch(() => undefined);
      if (this.flights.get(flightKey) === flight) this.flights.delete(flightKey);
    }
    const flight: Flight = { requestHash: request.requestHash, outcome: this.decide(request, keyHash) };
    this.flights.set(flightKey, flight);
    try {
      return await flight.outcome;
    } finally {
      if (this.flights.get(flightKey) === flight) this.flights.delete(flightKey);
    }
  }

  /** Deletes up to `limit` records past their retention; returns how many. */
  async purgeExpired(limit = 1000): Promise<number> {
    // `expires_at` is checked again on the row as it is when deleted: a key a request just took over is live.
    const result = await sql`delete from ${this.table} where ctid in (
        select ctid from ${this.table} where expires_at <= now() limit ${limit}) and expires_at <= now()`.execute(
      this.options.db,
    );
    return Number(result.numAffectedRows ?? 0);
  }

  private async decide(request: IdempotentRequest, keyHash: string): Promise<IdempotentOutcome> {
    const cache = this.options.cache;
    if (!cache) return this.decideInPostgres(request, keyHash);
    const { tenantId, idempotencyKey, requestHash } = request;
    const begun = await cache.begin(tenantId, idempotencyKey, requestHash, this.inFlightSeconds);
    if (begun.outcome === 'completed') {
      if (!begun.sameRequest) throw idempotencyKeyReused();
      return { response: begun.response, replayed: true };
    }
    const ownMarker = begun.outcome === 'started';
    let outcome: IdempotentOutcome;
    try {
      outcome = await this.decideInPostgres(request, keyHash);
    } catch (error) {
      if (ownMarker) await cache.abandon(tenantId, idempotencyKey, requestHash);
      throw error;
    }
    // The marker of this request (ours, or a dead attempt's) becomes the response: this also heals an entry lost
    // to eviction or a flush. Another request's marker is left to expire.
    if (ownMarker || (begun.outcome === 'in-flight' && begun.sameRequest)) {
      await cache.complete(tenantId, idempotencyKey, requestHash, outcome.response, this.retentionSeconds);
    }
    return outcome;
  }

  /** `outcome`, or 409 when it takes longer than `lockWaitMs`. */
  private withinLockWait(outcome: Promise<IdempotentOutcome>): Promise<IdempotentOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(requestInProgress(this.retryAfterSeconds)), this.lockWaitMs);
    });
    return Promise.race([outcome, expired]).finally(() => clearTimeout(timer));
  }

  /** Attempts until the key is decided, pausing without a connection while another attempt holds it. */
  private async decideInPostgres(request: IdempotentRequest, keyHash: string): Promise<IdempotentOutcome> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let pause = this.minPollMs; ; pause = Math.min(this.maxPollMs, pause * 2)) {
      const outcome = await this.attempt(request, keyHash);
      if (outcome !== BUSY) return outcome;
      const left = deadline - Date.now();
      if (left <= 0) throw requestInProgress(this.retryAfterSeconds);
      // Jittered, so the pollers of two instances do not fall into step.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, pause * (0.5 + Math.random()))));
    }
  }

  private attempt(request: IdempotentRequest, keyHash: string): Promise<IdempotentOutcome | typeof BUSY> {
    return retryableTransaction(this.options.db, async (trx) => {
      const claim = await claimKey(trx, {
        table: this.table,
        lockName: `${this.schema}.idempotency_keys:${request.tenantId}:${keyHash}`,
        tenantId: request.tenantId,
        keyHash,
        requestHash: request.requestHash,
        retentionSeconds: this.retentionSeconds,
      });
      if (claim.kind === 'busy') return BUSY;
      if (claim.kind === 'stored') return this.replay(request, claim.record);
      if (claim.kind === 'unseen') {
        const record = await readRecord(trx, this.table, request.tenantId, keyHash);
        return record ? this.replay(request, record) : BUSY;
      }
      const response = await request.execute(trx);
      await storeResponse(trx, this.table, request.tenantId, keyHash, response);
      return { response, replayed: false };
    });
  }

  private replay(request: IdempotentRequest, record: StoredRecord): IdempotentOutcome | typeof BUSY {
    if (record.request_hash !== request.requestHash) throw idempotencyKeyReused();
    if (record.http_status === null) return BUSY; // not committed with a response: cannot happen, look again
    return {
      response: {
        httpStatus: record.http_status,
        responseBody: record.response_body,
        ...(record.resource_id === null ? {} : { resourceId: record.resource_id }),
      },
      replayed: true,
    };
  }
}
