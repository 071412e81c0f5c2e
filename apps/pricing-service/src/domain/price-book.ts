import type { PriceEntry } from './price-entry';

/** What a publish answers. */
export interface PublishedPriceBook {
  readonly priceBookVersion: number;
  readonly publishedAt: string;
  readonly entryCount: number;
}

/** The tenant's current price book version (the pointer that calculations without `priceBookVersion` use). */
export interface CurrentPriceBook {
  readonly currentVersion: number;
  readonly publishedAt: string;
}

/** Status of an offer in pricing's projection of the catalog. */
export type OfferStatus = 'ACTIVE' | 'RETIRED';

/** A price request (the contract's calculate body, with the price book resolved). */
export interface PriceRequest {
  readonly offerId: string;
  readonly currency: string;
  readonly termMonths: number;
  readonly quantity: number;
  readonly segment: string;
  readonly region: string;
}

/** The contract's price response, also the cached value. */
export interface Price {
  readonly schemaVersion: 1;
  readonly priceBookVersion: number;
  readonly offerId: string;
  readonly currency: string;
  readonly termMonths: number;
  readonly quantity: number;
  readonly quantityTier: number;
  readonly segment: string;
  readonly region: string;
  readonly unitAmountMinor: number;
  readonly amountMinor: number;
  readonly calculatedAt: string;
  readonly explanation: readonly string[];
}

export type { PriceEntry };
