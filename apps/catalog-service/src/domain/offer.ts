export type OfferStatus = 'ACTIVE' | 'RETIRED';
export type EligibleAction = 'ADD' | 'CHANGE' | 'REMOVE';

export interface OfferRules {
  readonly requires?: readonly string[];
  readonly excludes?: readonly string[];
  readonly minQuantity?: number;
  readonly maxQuantity?: number;
}

/** A product offer as published in one catalog version (the contract's `Offer`). */
export interface Offer {
  readonly offerId: string;
  readonly displayName: string;
  readonly status: OfferStatus;
  readonly eligibleActions: readonly EligibleAction[];
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly rules?: OfferRules;
}

export interface PublishedCatalog {
  readonly catalogVersion: number;
  readonly publishedAt: string;
  readonly offerCount: number;
}

export interface CurrentCatalog {
  readonly currentVersion: number;
  readonly publishedAt: string;
}

export interface OfferPage {
  readonly items: readonly Offer[];
  readonly nextCursor: string | null;
}
