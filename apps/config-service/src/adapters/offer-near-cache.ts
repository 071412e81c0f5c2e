import type { KnownOffer } from '../application/catalog-api';

interface VersionOffers {
  offers: Map<string, KnownOffer>;
  expiresAt: number;
}

/**
 * Catalog answers held in process, per (tenant, catalog version): a validation of N offers costs one lookup of the
 * version and N Map reads, with no key strings built and one clock read. Versions are immutable, so nothing here is
 * ever stale; the TTL and the size limit only bound memory (past the limit, everything is dropped and refilled from
 * Redis).
 */
export class OfferNearCache {
  private readonly versions = new Map<string, VersionOffers>();
  private size = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** The answers held for this version (a live view: read it, do not keep it), or undefined. */
  offersOf(tenantId: string, version: number, now: number): ReadonlyMap<string, KnownOffer> | undefined {
    const held = this.versions.get(versionKey(tenantId, version));
    if (held === undefined) return undefined;
    if (held.expiresAt > now) return held.offers;
    this.versions.delete(versionKey(tenantId, version));
    this.size -= held.offers.size;
    return undefined;
  }

  set(tenantId: string, version: number, offerId: string, answer: KnownOffer, now: number): void {
    if (this.maxEntries === 0) return;
    const key = versionKey(tenantId, version);
    let held = this.versions.get(key);
    if (held === undefined || held.expiresAt <= now) {
      if (held) this.size -= held.offers.size;
      held = { offers: new Map(), expiresAt: now + this.ttlMs };
      this.versions.set(key, held);
    }
    if (!held.offers.has(offerId)) {
      if (this.size >= this.maxEntries) {
        this.versions.clear();
        this.size = 0;
        this.versions.set(key, held);
        held.offers.clear();
      }
      this.size++;
    }
    held.offers.set(offerId, answer);
  }
}

function versionKey(tenantId: string, version: number): string {
  return `${tenantId} ${version}`;
}
