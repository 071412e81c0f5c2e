import { Cluster } from 'ioredis';
import type { RedisConnection } from '../clients/redis-connection';
import type { RedisKey } from '../keys/key-factory';

/** Keys of one `MGET`: a Cluster server refuses an `MGET` whose keys span slots. */
const HASH_TAG = /\{([^}]+)\}/;

/**
 * Reads many keys of one family in one round trip: one `MGET` on a standalone server. On Redis Cluster an `MGET`
 * must stay within one slot, so keys are grouped by their `{...}` hash tag (equal tags share a slot: a family
 * declared with `hashTag: 'tenant'` reads one tenant's keys in one `MGET`) and untagged keys are read one `GET`
 * each; the groups go out at once, so the wall time is still about one round trip per node.
 *
 * Answers in key order, `null` for a missing key. Redis failures and timeouts reject with the connection's typed
 * errors (`RedisUnavailableError`, `RedisTimeoutError`): the caller treats every key as a miss.
 */
export async function readMany(
  connection: RedisConnection,
  keys: readonly RedisKey[],
): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  const family = keys[0]!.family;
  if (!(connection.client instanceof Cluster)) {
    return connection.observe('mget', family, (client) => client.mget(keys.map((k) => k.key)));
  }
  const groups = new Map<string, number[]>();
  const singles: number[] = [];
  keys.forEach((key, index) => {
    const tag = HASH_TAG.exec(key.key)?.[1];
    if (tag === undefined) singles.push(index);
    else groups.set(tag, [...(groups.get(tag) ?? []), index]);
  });
  const values: (string | null)[] = new Array<string | null>(keys.length).fill(null);
  await Promise.all([
    ...[...groups.values()].map(async (indexes) => {
      const got = await connection.observe('mget', family, (client) =>
        client.mget(indexes.map((i) => keys[i]!.key)),
      );
      indexes.forEach((i, n) => (values[i] = got[n] ?? null));
    }),
    ...singles.map(async (i) => {
      values[i] = await connection.observe('get', family, (client) => client.get(keys[i]!.key));
    }),
  ]);
  return values;
}
