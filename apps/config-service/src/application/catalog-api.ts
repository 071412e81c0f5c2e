import type { OfferLookup, OfferRules } from '../domain/selection-validation';

/** Who asked: forwarded to catalog-service with every call made for the request. */
export interface CallerContext {
  /** The caller's `Authorization` header, as received. */
  authorization: string;
  requestId: string;
}

/** catalog-service's HTTP API, as config-service uses it (the port; `HttpCatalogClient` is the adapter). */
export interface CatalogApi {
  /** The offer of version `version`; `unavailable` on a timeout, a network error or an unexpected answer. */
  offer(tenantId: string, version: number, offerId: string, caller: CallerContext): Promise<OfferLookup>;
  /** The tenant's current catalog version, `none` when nothing is published. */
  currentVersion(tenantId: string, caller: CallerContext): Promise<number | 'none' | 'unavailable'>;
  versionExists(tenantId: string, version: number, caller: CallerContext): Promise<boolean | 'unavailable'>;
}

/** A known answer about an offer of an immutable catalog version: cacheable for as long as the version lives. */
export type KnownOffer = { kind: 'found'; offer: OfferRules } | { kind: 'unknown' };

/**
 * The cache of catalog answers, per (tenant, version, offer): an in-process near-cache in front of Redis (the
 * `config-catalog-offer` family). Versions are immutable, so entries are never invalidated.
 */
export interface OfferCache {
  /** Cached answers in `offerIds` order, `undefined` for a miss; the Redis part is one round trip at most. */
  getMany(
    tenantId: string,
    version: number,
    offerIds: readonly string[],
  ): Promise<(KnownOffer | undefined)[]>;
  /** Stores an answer (best effort: a failed write is counted, never thrown). */
  put(tenantId: string, version: number, offerId: string, answer: KnownOffer): void;
}
