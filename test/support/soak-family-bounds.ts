// How many keys each Redis key family may hold after a given soak workload: the key space the workload's requests
// can have addressed (docs/capacity.md's "keys alive at once", made exact for what the soak sent). A family over its
// bound holds keys no entity of the workload accounts for: keys that grow with requests, a leak. Pure: the soak
// (test/soak/soak.bench.ts) evaluates it, the spec keeps it complete.

/** What the soak's workload had touched when a census ran, over every tenant (counted when requests are built). */
export interface LedgerCounts {
  tenants: number;
  /** Catalog publishes sent (the set-up's first version included). */
  catalogPublishes: number;
  priceBookPublishes: number;
  /** Σ over tenants: offers read (directly, in a page, or validated by config-service) x catalog versions. */
  offerVersionPairs: number;
  /** Distinct (version, limit, cursor) of every page requested. */
  pages: number;
  /** Σ over tenants: distinct calculation inputs x price book versions. */
  priceInputVersionPairs: number;
  /** Σ over tenants: distinct (offer, currency) calculated x price book versions. */
  priceEntryVersionPairs: number;
  /** Σ over tenants: offers selected in a session x catalog versions. */
  configOfferVersionPairs: number;
  /** Users who calculated a price, plus the tenants (the pricing limit has a tenant and a user dimension). */
  pricingSubjects: number;
  configUsers: number;
  captureSubjects: number;
  sessionsCreated: number;
  finalizes: number;
  /** Distinct Idempotency-Keys sent (each a new order). */
  captureKeys: number;
}

export interface FamilyBound {
  bound: (c: LedgerCounts) => number;
  /** What bounds it, in the report's words. */
  why: string;
}

/**
 * Fenced jobs per service (one lease, holder + fence, each): every service's event retention, plus config-service's
 * snapshot purge and order-service's idempotency purge.
 */
const JOBS = { catalog: 1, pricing: 1, config: 2, order: 2 };

/** Every declared key family (channels apart) and its bound. The spec fails when a family is missing here. */
export const SOAK_FAMILY_BOUNDS: Readonly<Record<string, FamilyBound>> = {
  'catalog-current': { bound: (c) => c.tenants, why: 'tenants' },
  'catalog-offer': { bound: (c) => c.offerVersionPairs, why: 'offers read x catalog versions' },
  'catalog-offer-page': { bound: (c) => c.pages, why: 'distinct pages requested' },
  'catalog-hot-offers': { bound: (c) => c.catalogPublishes, why: 'catalog versions' },
  'catalog-fill-lease': {
    // a holder and a fence key per cache key filled (pointer, offer or page) within the fence's 30 s
    bound: (c) => 2 * (c.tenants + c.offerVersionPairs + c.pages),
    why: '2 x catalog cache keys (pointer, offers, pages)',
  },
  'catalog-prewarm-lease': { bound: (c) => 2 * c.catalogPublishes, why: '2 x catalog versions' },
  'catalog-job-lease': { bound: () => 2 * JOBS.catalog, why: 'holder + fence of the event retention job' },
  'catalog-event-dedup': { bound: (c) => c.catalogPublishes, why: 'catalog events (consumer prewarm)' },
  'pricebook-current': { bound: (c) => c.tenants, why: 'tenants' },
  'pricebook-entry': {
    bound: (c) => c.priceEntryVersionPairs,
    why: '(offer, currency) calculated x price book versions',
  },
  price: { bound: (c) => c.priceInputVersionPairs, why: 'distinct calculation inputs x price book versions' },
  'price-hot-keys': { bound: (c) => c.priceBookPublishes, why: 'price book versions' },
  'pricing-prewarm-lease': { bound: (c) => 2 * c.priceBookPublishes, why: '2 x price book versions' },
  'pricing-job-lease': { bound: () => 2 * JOBS.pricing, why: 'holder + fence of the event retention job' },
  'pricing-rate-limit': {
    bound: (c) => c.pricingSubjects,
    why: 'tenants + users calculating (one window each)',
  },
  'pricing-event-dedup': {
    bound: (c) => c.priceBookPublishes + c.catalogPublishes,
    why: 'price book events (prewarm) + catalog events (offer-status)',
  },
  'config-session': { bound: (c) => c.sessionsCreated, why: 'sessions created' },
  'config-catalog-offer': {
    bound: (c) => c.configOfferVersionPairs,
    why: 'offers selected x catalog versions',
  },
  'config-purge-lease': {
    bound: () => 2 * JOBS.config,
    why: 'holder + fence of the snapshot purge and the event retention jobs',
  },
  'config-rate-limit': { bound: (c) => c.configUsers, why: 'users updating selections' },
  'order-idempotency': { bound: (c) => c.captureKeys, why: 'distinct Idempotency-Keys' },
  'order-capture-rate-limit': { bound: (c) => c.captureSubjects, why: 'users capturing' },
  'order-event-dedup': { bound: (c) => c.finalizes, why: 'configuration events (finalizes)' },
  'order-view': { bound: (c) => c.captureKeys, why: 'orders captured' },
  'order-job-lease': {
    bound: () => 2 * JOBS.order,
    why: 'holder + fence of the idempotency purge and the event retention jobs',
  },
};

/**
 * The most members a hot-key sorted set may hold: HotKeyTracker keeps 200 by default (both services use it) and
 * trims a set back to that once it reaches twice as many, so a set never holds more than 2 x 200 - 1.
 */
export const HOT_SET_MAX_MEMBERS = 2 * 200 - 1;
