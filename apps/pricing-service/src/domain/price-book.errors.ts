import { PricingError, type PricingViolation } from './pricing.errors';

/** The price book breaks a rule across entries (duplicate offer/currency, duplicate tiers) (→ 400). */
export class InvalidPriceBookError extends PricingError {
  readonly code = 'PRICING_INVALID_PRICE_BOOK';
  constructor(readonly violations: readonly PricingViolation[]) {
    super(`the price book has ${violations.length} violation(s)`);
  }
}

/** The tenant has no price book yet (→ 404). */
export class NoPriceBookPublishedError extends PricingError {
  readonly code = 'PRICING_NO_PRICE_BOOK';
  constructor() {
    super('no price book has been published for this tenant');
  }
}

/** The requested price book version does not exist (→ 404). */
export class PriceBookVersionNotFoundError extends PricingError {
  readonly code = 'PRICING_PRICE_BOOK_VERSION_NOT_FOUND';
  constructor(readonly priceBookVersion: number) {
    super(`price book version ${priceBookVersion} does not exist`);
  }
}

/** The offer is RETIRED in the catalog, or the catalog never published it (→ 422). */
export class OfferNotPriceableError extends PricingError {
  readonly code = 'PRICING_OFFER_NOT_ACTIVE';
  constructor(
    readonly offerId: string,
    readonly status: 'RETIRED' | 'UNKNOWN',
  ) {
    super(
      status === 'RETIRED'
        ? `offer ${offerId} is retired in the catalog`
        : `offer ${offerId} is not in the published catalog`,
    );
  }
}
