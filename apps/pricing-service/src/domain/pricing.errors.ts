import { DomainError, type DomainViolation } from '@cpq/platform';

/** Domain errors of pricing-service: stable codes (prefix PRICING_), mapped to problem+json at the edge. */
export abstract class PricingError extends DomainError {}

/** JSON pointer into the request body (e.g. `/quantity`) and the rule it breaks. */
export type PricingViolation = DomainViolation;

/** The calculation input is out of its documented range (termMonths 1..120, quantity 1..100000). */
export class InvalidPricingInputError extends PricingError {
  readonly code = 'PRICING_INVALID_INPUT';
  constructor(readonly violations: readonly PricingViolation[]) {
    super(`the price request has ${violations.length} violation(s)`);
  }
}

/** The price book has no entry for this offer in this currency (→ 404). */
export class NoPriceError extends PricingError {
  readonly code = 'PRICING_NO_PRICE';
  constructor(
    readonly offerId: string,
    readonly currency: string,
    readonly priceBookVersion?: number,
  ) {
    super(
      `no price for offer ${offerId} in ${currency}` +
        (priceBookVersion === undefined ? '' : ` in price book version ${priceBookVersion}`),
    );
  }
}

/** A stored entry breaks the PriceEntry contract; publishing should have rejected it. */
export class InvalidPriceEntryError extends PricingError {
  readonly code = 'PRICING_INVALID_ENTRY';
  constructor(
    readonly offerId: string,
    readonly pointer: string,
    detail: string,
  ) {
    super(`price entry of offer ${offerId}: ${pointer} ${detail}`);
  }
}

/** A result does not fit in Number.MAX_SAFE_INTEGER minor units, so it cannot leave the domain exactly. */
export class PriceOverflowError extends PricingError {
  readonly code = 'PRICING_OVERFLOW';
  constructor(
    readonly step: string,
    /** The exact value, as a decimal string. */
    readonly value: string,
  ) {
    super(`${step} of ${value} minor units exceeds Number.MAX_SAFE_INTEGER`);
  }
}
