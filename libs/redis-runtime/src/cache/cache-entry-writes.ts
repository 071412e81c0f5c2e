import type { RedisConnection } from '../clients/redis-connection';
import { LuaScriptError } from '../errors';
import type { RedisKey } from '../keys/key-factory';

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
