import {
  assertTtlSeconds,
  JsonCodec,
  readMany,
  type KeyFactory,
  type RedisConnection,
  type RedisKey,
  type RuntimeLogger,
} from '@cpq/redis-runtime';
import type { KnownOffer, OfferCache } from '../application/catalog-api';
import type { OfferNearCache } from './offer-near-cache';

export interface RedisOfferCacheOptions {
  /** The cache workload. */
  connection: RedisConnection;
  keys: KeyFactory;
  /** In front of Redis; entries never go stale (versions are immutable), only out by size and TTL. */
  nearCache: OfferNearCache;
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
    const now = Date.now();
    const near = nearCache.offersOf(tenantId, version, now);
    const answers: (KnownOffer | undefined)[] = new Array<KnownOffer | undefined>(offerIds.length);
    const missed: number[] = [];
    for (let i = 0; i < offerIds.length; i++) {
      const hit = near?.get(offerIds[i]!);
      if (hit === undefined) missed.push(i);
      else answers[i] = hit;
    }
    if (missed.length < offerIds.length) metrics.cache(FAMILY, 'near_hit');
    if (missed.length === 0) return answers;
    const keys = missed.map((i) => this.key(tenantId, version, offerIds[i]!));
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
      const i = missed[n]!;
      nearCache.set(tenantId, version, offerIds[i]!, decoded.value.payload, now);
      answers[i] = decoded.value.payload;
    });
    return answers;
  }

  put(tenantId: string, version: number, offerId: string, answer: KnownOffer): void {
    const { nearCache, connection, ttlSeconds, logger } = this.options;
    const key = this.key(tenantId, version, offerId);
    nearCache.set(tenantId, version, offerId, answer, Date.now());
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
