import type { JsonCodec } from '../codec/json-codec';
import { InvalidCacheVersionError } from '../errors';

/**
 * The layout of a cache-aside entry in Redis, shared with the Lua scripts that read its prefix without decoding it:
 * `{"schemaVersion":S,"fence":F[,"version":V],"freshUntil":..,"delta":..,"expiresAt":..,"payload":..}`, and of the
 * tombstone an invalidation leaves: `{"schemaVersion":S,"fence":F[,"version":V],"tombstone":true}`.
 */
export interface EntryStamp {
  /** The fence of the last invalidation the writer had seen when it read the key (0: none). */
  fence: number;
  /** The value's own version (`versionOf`), if the caller versions it. */
  version: number | undefined;
  freshUntil: number;
  /** Load time in ms (XFetch). */
  delta: number;
  expiresAt: number;
}

export function encodeEntry<T>(codec: JsonCodec<T>, payload: T, stamp: EntryStamp): string {
  // The order of these fields is what the scripts match on: fence right after schemaVersion, then version.
  const meta: Record<string, unknown> = { fence: stamp.fence };
  if (stamp.version !== undefined) meta.version = stamp.version;
  meta.freshUntil = stamp.freshUntil;
  meta.delta = stamp.delta;
  meta.expiresAt = stamp.expiresAt;
  return codec.encode(payload, meta);
}

const FENCE = /^\{"schemaVersion":\d+,"fence":(\d+)/;
const TOMBSTONE_END = ',"tombstone":true}';

/** The fence a stored entry or tombstone carries; 0 for nothing stored or an entry without one. */
export function fenceOf(raw: string | null): number {
  if (raw === null) return 0;
  const match = FENCE.exec(raw);
  return match ? Number(match[1]) : 0;
}

/** Whether a stored string is an invalidation's tombstone (a miss, not a decode error). */
export function isTombstone(raw: string): boolean {
  return raw.endsWith(TOMBSTONE_END) && FENCE.test(raw);
}

/** The version of `value` as the scripts compare it: a non-negative safe integer, else a typed error. */
export function checkedVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 0)
    throw new InvalidCacheVersionError(`versionOf must return a non-negative safe integer, got ${version}`);
  return version;
}
