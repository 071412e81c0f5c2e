import type { RedisConnection } from '../clients/redis-connection';
import type { JsonCodec } from '../codec/json-codec';
import { LuaScriptError } from '../errors';
import type { RedisKey } from '../keys/key-factory';
import { assertTtlSeconds } from '../keys/key-family-registry';
import type { RuntimeLogger } from '../observability/runtime-logger';
import type { RuntimeMetrics } from '../observability/runtime-metrics';
import type { ReadOptions } from './cache-aside-port';
import { checkedVersion, encodeEntry } from './cache-entry';
import { jitteredTtlSeconds } from './freshness';

/** What a fenced write found (`writeCacheEntry-1.lua`). */
export type WriteOutcome =
  | { readonly kind: 'written' }
  /** A newer value is stored (a later fence or a higher version): the caller may answer it instead. */
  | { readonly kind: 'newer-value'; readonly stored: string }
  /** The key was invalidated after the writer read it: what it loaded may predate the invalidation. */
  | { readonly kind: 'invalidated'; readonly fence: number };

export interface EntryWrite {
  /** `fill`: refused over a later fence than `fence`; `set`: not fenced, keeps the stored fence. */
  mode: 'fill' | 'set';
  fence: number;
  version: number | undefined;
  ttlMs: number;
}

/** Writes an encoded entry through the one script that compares fence and version in Redis. */
export async function writeEntry(
  connection: RedisConnection,
  key: RedisKey,
  entry: string,
  write: EntryWrite,
): Promise<WriteOutcome> {
  const reply = await connection.script(
    'writeCacheEntry',
    [key],
    [write.mode, write.fence, write.version ?? '', entry, write.ttlMs],
  );
  if (Array.isArray(reply)) {
    const [code, detail] = reply as [number, string | undefined];
    if (code === 1) return { kind: 'written' };
    if (code === 2 && typeof detail === 'string') return { kind: 'newer-value', stored: detail };
    if (code === 3 && typeof detail === 'string') return { kind: 'invalidated', fence: Number(detail) };
  }
  throw new LuaScriptError('writeCacheEntry returned an unknown reply', { script: 'writeCacheEntry' });
}

/** Replaces the entry by a tombstone with a new fence (`invalidateCacheEntry-1.lua`); resolves to that fence. */
export async function writeTombstone(
  connection: RedisConnection,
  key: RedisKey,
  ttlMs: number,
): Promise<number> {
  const schemaVersion = key.family.schemaVersion ?? 1;
  const reply = await connection.script('invalidateCacheEntry', [key], [schemaVersion, ttlMs]);
  if (typeof reply !== 'string')
    throw new LuaScriptError('invalidateCacheEntry returned an unknown reply', {
      script: 'invalidateCacheEntry',
    });
  return Number(reply);
}

/**
 * Builds an entry (TTL with jitter, freshness, fence and version) and writes it through `writeEntry`. A Redis
 * failure resolves to `undefined`, counted as `set_failure` and logged: a cache write never fails a read. A TTL
 * outside the family's range or a bad `versionOf` throws: those are bugs, not outages.
 */
export class EntryWriter {
  constructor(
    private readonly connection: RedisConnection,
    private readonly metrics: RuntimeMetrics,
    private readonly logger: RuntimeLogger,
    private readonly jitterRatio: number,
  ) {}

  async write<T>(
    key: RedisKey,
    codec: JsonCodec<T>,
    value: T,
    options: ReadOptions<T>,
    how: { loadMs: number; mode: 'fill' | 'set'; fence: number },
  ): Promise<WriteOutcome | undefined> {
    const family = key.family;
    const base = assertTtlSeconds(family, options.ttlSeconds ?? family.ttlSeconds?.min);
    const grace = options.graceSeconds ?? 0;
    const fresh = jitteredTtlSeconds(base, this.jitterRatio, family.ttlSeconds!.max - grace);
    const ttl = assertTtlSeconds(family, fresh + grace);
    const version = options.versionOf ? checkedVersion(options.versionOf(value)) : undefined;
    const now = Date.now();
    const entry = encodeEntry(codec, value, {
      fence: how.fence,
      version,
      freshUntil: now + fresh * 1000,
      delta: how.loadMs,
      expiresAt: now + ttl * 1000,
    });
    try {
      return await writeEntry(this.connection, key, entry, {
        mode: how.mode,
        fence: how.fence,
        version,
        ttlMs: ttl * 1000,
      });
    } catch (error) {
      this.metrics.cache(family.name, 'set_failure');
      this.logger.warn(
        { family: family.name, err: String(error) },
        'cache write failed; serving the loaded value',
      );
      return undefined;
    }
  }
}
