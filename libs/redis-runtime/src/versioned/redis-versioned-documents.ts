import type { RedisConnection } from '../clients/redis-connection';
import { JsonCodec } from '../codec/json-codec';
import { InvalidKeyFamilyError, LuaScriptError, RedisRuntimeError, RedisUnavailableError } from '../errors';
import type { KeyFamily } from '../keys/key-family';
import type { KeyFactory, RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import type {
  ReplaceOptions,
  VersionedDocuments,
  VersionedDocumentsUnavailable,
  VersionedReadOutcome,
  VersionedWriteOutcome,
} from './versioned-documents';

export interface RedisVersionedDocumentsOptions<T> {
  /** The `session` workload connection (`noeviction`, AOF). */
  connection: RedisConnection;
  keys: KeyFactory;
  /** A `json` family of the `session` workload. @default 'config-session' */
  family?: string;
  /** Structural check of a decoded document (e.g. a zod schema's `safeParse(v).success`). */
  validate?: (value: unknown) => value is T;
  /** @default silentLogger */
  logger?: RuntimeLogger;
}

type WriteMode = 'create' | 'replace' | 'restore';

enum WriteCode {
  Written = 1,
  Conflict = 2,
  Missing = 3,
  Unreadable = 4,
  Sealed = 5,
}

/** `VersionedDocuments` on Redis: GETEX for reads, one compare-and-set script (`writeVersioned`) for writes. */
export class RedisVersionedDocuments<T> implements VersionedDocuments<T> {
  private readonly connection: RedisConnection;
  private readonly keys: KeyFactory;
  private readonly family: KeyFamily;
  private readonly codec: JsonCodec<T>;
  private readonly logger: RuntimeLogger;

  constructor(options: RedisVersionedDocumentsOptions<T>) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.family = options.keys.familyOf(options.family ?? 'config-session');
    this.logger = options.logger ?? silentLogger;
    if (this.family.format !== 'json' || this.family.schemaVersion === undefined) {
      throw new InvalidKeyFamilyError(`key family ${this.family.name} is not a json family`, {
        family: this.family.name,
      });
    }
    this.codec = new JsonCodec<T>({
      schemaVersion: this.family.schemaVersion,
      ...(options.validate ? { validate: options.validate } : {}),
    });
  }

  async read(tenant: string, id: string, ttlSeconds: number): Promise<VersionedReadOutcome<T>> {
    const key = this.key(tenant, id);
    const ttl = assertTtlSeconds(this.family, ttlSeconds);
    let raw: string | null;
    try {
      raw = await this.connection.observe('getex', this.family, (client) => client.getex(key.key, 'EX', ttl));
    } catch (error) {
      return this.unavailable(error);
    }
    if (raw === null) {
      this.connection.metrics.cache(this.family.name, 'miss');
      return { outcome: 'missing' };
    }
    const decoded = this.codec.decode(raw);
    const version = decoded.ok ? decoded.value.meta['version'] : undefined;
    if (!decoded.ok || !Number.isSafeInteger(version) || (version as number) < 1) {
      this.connection.metrics.cache(this.family.name, 'decode_error');
      return { outcome: 'missing' };
    }
    this.connection.metrics.cache(this.family.name, 'hit');
    const document = { version: version as number, value: decoded.value.payload };
    return {
      outcome: 'found',
      document: decoded.value.meta['sealed'] === true ? { ...document, sealed: true } : document,
    };
  }

  create(tenant: string, id: string, value: T, ttlSeconds: number): Promise<VersionedWriteOutcome> {
    return this.write('create', tenant, id, value, 1, ttlSeconds);
  }

  replace(
    tenant: string,
    id: string,
    value: T,
    expectedVersion: number,
    ttlSeconds: number,
    options: ReplaceOptions = {},
  ): Promise<VersionedWriteOutcome> {
    return this.write('replace', tenant, id, value, expectedVersion + 1, ttlSeconds, options.seal === true);
  }

  restore(
    tenant: string,
    id: string,
    value: T,
    version: number,
    ttlSeconds: number,
  ): Promise<VersionedWriteOutcome> {
    return this.write('restore', tenant, id, value, version, ttlSeconds);
  }

  private async write(
    mode: WriteMode,
    tenant: string,
    id: string,
    value: T,
    version: number,
    ttlSeconds: number,
    seal = false,
  ): Promise<VersionedWriteOutcome> {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RangeError(`a document version is a positive integer, got ${version}`);
    }
    const key = this.key(tenant, id);
    const ttl = assertTtlSeconds(this.family, ttlSeconds);
    // The script reads the version from this prefix: schemaVersion, then version, then `"sealed":true` for a sealed
    // document, then payload (JsonCodec's order).
    const document = this.codec.encode(value, seal ? { version, sealed: true } : { version });
    try {
      const reply = await this.connection.script(
        'writeVersioned',
        [key],
        [mode, version, document, ttl, this.codec.schemaVersion],
      );
      const [code, stored] = decodeWriteReply(reply);
      switch (code) {
        case WriteCode.Written:
          return { outcome: 'written', version };
        case WriteCode.Conflict:
          return { outcome: 'conflict', storedVersion: stored };
        case WriteCode.Missing:
          return { outcome: 'missing' };
        case WriteCode.Unreadable:
          this.connection.metrics.cache(this.family.name, 'decode_error');
          return { outcome: 'missing' };
        case WriteCode.Sealed:
          return { outcome: 'sealed', storedVersion: stored };
      }
    } catch (error) {
      return this.unavailable(error);
    }
  }

  private key(tenant: string, id: string): RedisKey {
    return this.keys.key(this.family.name, tenant, id);
  }

  private unavailable(error: unknown): VersionedDocumentsUnavailable {
    const typed =
      error instanceof RedisRuntimeError
        ? error
        : new RedisUnavailableError(
            'versioned document store failed',
            { family: this.family.name },
            { cause: error },
          );
    this.connection.metrics.cache(this.family.name, 'fallback');
    this.logger.warn(
      { family: this.family.name, code: typed.code },
      'versioned document store unavailable; use the durable copy',
    );
    return { outcome: 'unavailable', error: typed };
  }
}

function decodeWriteReply(reply: unknown): [WriteCode, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [code, stored] = reply as [unknown, unknown];
    if (
      typeof code === 'number' &&
      code >= WriteCode.Written &&
      code <= WriteCode.Sealed &&
      typeof stored === 'number'
    ) {
      return [code as WriteCode, stored];
    }
  }
  throw new LuaScriptError('script writeVersioned returned an unexpected reply', {
    script: 'writeVersioned',
  });
}
