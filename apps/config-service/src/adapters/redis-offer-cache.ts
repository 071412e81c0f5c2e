import {
  assertTtlSeconds,
  JsonCodec,
  readMany,
  type KeyFactory,
  type NearCache,
  type RedisConnection,
  type RedisKey,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { KnownOffer, OfferCache } from '../application/catalog-api';

export interface RedisOfferCacheOptions {
  /** The cache workload. */
  connection: RedisConnection;
  keys: KeyFactory;
  /** In front of Redis; entries never go stale (versions are immutable), only out by size and TTL. */
  nearCache: NearCache;
  /** Within the `config-catalog-offer` family's range (1 h..25 h). */
  ttlSeconds: number;
  logger: RuntimeLogger;
}

const FAMILY = 'config-catalog-offer';

const isKnownOffer = (value: unknown): value is KnownOffer =>
  typeof value === 'object' &&
  value !== null &&
  ((value as KnownOffer).kind === 'unknown' ||
    ((value as KnownOffer).kind === 'found' && typeof (value as { offer?: unknown }).offer === 'object'));

/** `OfferCache` over the near-cache and Redis (`config-catalog-offer`: one MGET for every near-cache miss). */
export class RedisOfferCache implements OfferCache {
  private readonly codec = new JsonCodec<KnownOffer>({ schemaVersion: 1, validate: isKnownOffer });

  constructor(private readonly options: RedisOfferCacheOptions) {
    assertTtlSeconds(options.keys.familyOf(FAMILY), options.ttlSeconds);
  }

  async getMany(
    tenantId: string,
    version: number,
    offerIds: readonly string[],
  ): Promise<(KnownOffer | undefined)[]> {
    const { nearCache, connection } = this.options;
    const metrics = connection.metrics;
    const answers: (KnownOffer | undefined)[] = new Array<KnownOffer | undefined>(offerIds.length);
    const missed: number[] = [];
    const keys: RedisKey[] = [];
    offerIds.forEach((offerId, i) => {
      const key = this.key(tenantId, version, offerId);
      const near = nearCache.get(key.key) as KnownOffer | undefined;
      if (near !== undefined) {
        metrics.cache(FAMILY, 'near_hit');
        answers[i] = near;
      } else {
        missed.push(i);
        keys.push(key);
      }
    });
    if (keys.length === 0) return answers;
    let raws: (string | null)[];
    try {
      raws = await readMany(connection, keys);
    } catch {
      metrics.cache(FAMILY, 'fallback');
      return answers;
    }
    raws.forEach((raw, n) => {
      if (raw === null) {
        metrics.cache(FAMILY, 'miss');
        return;
      }
      const decoded = this.codec.decode(raw);
      if (!decoded.ok) {
        metrics.cache(FAMILY, 'decode_error');
        return;
      }
      metrics.cache(FAMILY, 'hit');
      nearCache.set(keys[n]!.key, decoded.value.payload);
      answers[missed[n]!] = decoded.value.payload;
    });
    return answers;
  }

  put(tenantId: string, version: number, offerId: string, answer: KnownOffer): void {
    const { nearCache, connection, ttlSeconds, logger } = this.options;
    const key = this.key(tenantId, version, offerId);
    nearCache.set(key.key, answer);
    connection.metrics.cache(FAMILY, 'load');
    const raw = this.codec.encode(answer);
    connection
      .observe('set', key.family, (client) => client.set(key.key, raw, 'EX', ttlSeconds))
      .catch((error: unknown) => {
        connection.metrics.cache(FAMILY, 'set_failure');
        logger.warn({ family: FAMILY, err: String(error) }, 'catalog offer cache write failed');
      });
  }

  private key(tenantId: string, version: number, offerId: string): RedisKey {
    return this.options.keys.key(FAMILY, tenantId, `v${version}`, offerId);
  }
}
