import type { RedisConnection } from '../clients/redis-connection';
import { InvalidKeyFamilyError, RedisRuntimeError, RedisUnavailableError } from '../errors';
import type { KeyFamily } from '../keys/key-family';
import type { KeyFactory, RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';
import { hashKeySegment } from '../keys/key-segment';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import { decodeIdempotencyRecord, encodeIdempotencyRecord, responseOf } from './idempotency-record';
import { decodeIdempotencyReply, IdempotencyReplyCode as Code } from './idempotency-reply';
import type {
  AbandonOutcome,
  BeginOutcome,
  CompleteOutcome,
  IdempotencyCacheUnavailable,
  IdempotencyRecord,
  IdempotencyResponseCache,
  IdempotentResponse,
  LookupOutcome,
} from './idempotency-response-cache';

export interface RedisIdempotencyResponseCacheOptions {
  /** The `session` workload connection (`noeviction`, AOF). */
  connection: RedisConnection;
  keys: KeyFactory;
  /** A `json` family. @default 'order-idempotency' */
  family?: string;
  /** @default silentLogger */
  logger?: RuntimeLogger;
  /** @default () => new Date() */
  now?: () => Date;
}

/** `IdempotencyResponseCache` on Redis: compare-and-set Lua scripts keyed by the hashed Idempotency-Key. */
export class RedisIdempotencyResponseCache implements IdempotencyResponseCache {
  private readonly connection: RedisConnection;
  private readonly keys: KeyFactory;
  private readonly family: KeyFamily;
  private readonly schemaVersion: number;
  private readonly logger: RuntimeLogger;
  private readonly now: () => Date;

  constructor(options: RedisIdempotencyResponseCacheOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.family = options.keys.familyOf(options.family ?? 'order-idempotency');
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    if (this.family.format !== 'json') {
      throw new InvalidKeyFamilyError(`key family ${this.family.name} is not a json family`, {
        family: this.family.name,
      });
    }
    this.schemaVersion = this.family.schemaVersion!;
  }

  async begin(
    tenant: string,
    idempotencyKey: string,
    requestHash: string,
    ttlSeconds: number,
  ): Promise<BeginOutcome> {
    const key = this.key(tenant, idempotencyKey);
    const ttl = assertTtlSeconds(this.family, ttlSeconds);
    const marker = this.record({ requestHash, status: 'IN_FLIGHT' });
    try {
      const raw = await this.connection.script('beginIdempotency', [key], [marker, ttl, this.schemaVersion]);
      const reply = decodeIdempotencyReply('beginIdempotency', raw);
      if (reply.code === Code.Started) return { outcome: 'started' };
      if (reply.code === Code.ReplacedUnreadable) {
        this.decodeError();
        return { outcome: 'started' };
      }
      const record = decodeIdempotencyRecord(reply.raw!, this.schemaVersion);
      if (!record) {
        // Lua found it readable but the full shape check did not: let PostgreSQL answer.
        this.decodeError();
        return this.unavailable(
          new RedisUnavailableError('idempotency record has an unexpected shape', this.context()),
        );
      }
      const sameRequest = record.requestHash === requestHash;
      if (record.status === 'IN_FLIGHT') return { outcome: 'in-flight', sameRequest };
      this.connection.metrics.cache(this.family.name, 'hit');
      return { outcome: 'completed', sameRequest, response: responseOf(record) };
    } catch (error) {
      return this.unavailable(error);
    }
  }

  async complete(
    tenant: string,
    idempotencyKey: string,
    requestHash: string,
    response: IdempotentResponse,
    ttlSeconds: number,
  ): Promise<CompleteOutcome> {
    const key = this.key(tenant, idempotencyKey);
    const ttl = assertTtlSeconds(this.family, ttlSeconds);
    const record = this.record({
      requestHash,
      status: 'COMPLETED',
      httpStatus: response.httpStatus,
      responseBody: response.responseBody ?? null,
      ...(response.resourceId === undefined ? {} : { resourceId: response.resourceId }),
    });
    try {
      const raw = await this.connection.script(
        'completeIdempotency',
        [key],
        [record, ttl, requestHash, this.schemaVersion],
      );
      return this.outcome(decodeIdempotencyReply('completeIdempotency', raw).code) as CompleteOutcome;
    } catch (error) {
      return this.unavailable(error).outcome;
    }
  }

  async abandon(tenant: string, idempotencyKey: string, requestHash: string): Promise<AbandonOutcome> {
    const key = this.key(tenant, idempotencyKey);
    try {
      const raw = await this.connection.script(
        'abandonIdempotency',
        [key],
        [requestHash, this.schemaVersion],
      );
      return this.outcome(decodeIdempotencyReply('abandonIdempotency', raw).code) as AbandonOutcome;
    } catch (error) {
      return this.unavailable(error).outcome;
    }
  }

  async get(tenant: string, idempotencyKey: string): Promise<LookupOutcome> {
    const key = this.key(tenant, idempotencyKey);
    let raw: string | null;
    try {
      raw = await this.connection.observe('get', this.family, (client) => client.get(key.key));
    } catch (error) {
      return this.unavailable(error);
    }
    const record = raw === null ? undefined : decodeIdempotencyRecord(raw, this.schemaVersion);
    if (raw !== null && !record) this.decodeError();
    this.connection.metrics.cache(this.family.name, record ? 'hit' : 'miss');
    return record ? { outcome: 'found', record } : { outcome: 'miss' };
  }

  private key(tenant: string, idempotencyKey: string): RedisKey {
    return this.keys.key(this.family.name, tenant, hashKeySegment(idempotencyKey));
  }

  private record(fields: Omit<IdempotencyRecord, 'schemaVersion' | 'createdAt'>): string {
    return encodeIdempotencyRecord({
      schemaVersion: this.schemaVersion,
      ...fields,
      createdAt: this.now().toISOString(),
    });
  }

  private outcome(code: Code): CompleteOutcome | AbandonOutcome {
    switch (code) {
      case Code.Stored:
        return 'stored';
      case Code.Abandoned:
        return 'abandoned';
      case Code.AlreadyCompleted:
        return 'already-completed';
      case Code.OtherRequest:
        return 'other-request';
      case Code.Unreadable:
        this.decodeError();
        return 'not-found';
      default:
        return 'not-found';
    }
  }

  private decodeError(): void {
    this.connection.metrics.cache(this.family.name, 'decode_error');
  }

  private unavailable(error: unknown): IdempotencyCacheUnavailable {
    const typed =
      error instanceof RedisRuntimeError
        ? error
        : new RedisUnavailableError('idempotency cache failed', this.context(), { cause: error });
    this.connection.metrics.cache(this.family.name, 'fallback');
    this.logger.warn(
      { ...this.context(), code: typed.code },
      'idempotency cache unavailable; use the durable record',
    );
    return { outcome: 'unavailable', error: typed };
  }

  private context(): Record<string, unknown> {
    return { family: this.family.name };
  }
}
