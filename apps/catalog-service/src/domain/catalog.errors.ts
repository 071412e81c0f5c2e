import { DomainError, type DomainViolation } from '@cpq/platform';

/** Domain errors of catalog-service: stable codes (prefix CATALOG_), mapped to problem+json at the HTTP edge. */
export abstract class CatalogError extends DomainError {}

/** JSON pointer into the request body (e.g. `/offers/3/rules/requires/0`) and the rule it breaks. */
export type CatalogViolation = DomainViolation;

/** The catalog breaks a rule that spans offers (duplicates, dangling references, min > max). */
export class InvalidCatalogError extends CatalogError {
  readonly code = 'CATALOG_INVALID';
  constructor(readonly violations: readonly CatalogViolation[]) {
    super(`the catalog has ${violations.length} violation(s)`);
  }
}

export class NoCatalogPublishedError extends CatalogError {
  readonly code = 'CATALOG_NONE_PUBLISHED';
  constructor() {
    super('no catalog has been published for this tenant');
  }
}

export class CatalogVersionNotFoundError extends CatalogError {
  readonly code = 'CATALOG_VERSION_NOT_FOUND';
  constructor(readonly catalogVersion: number) {
    super(`catalog version ${catalogVersion} does not exist`);
  }
}

export class OfferNotFoundError extends CatalogError {
  readonly code = 'CATALOG_OFFER_NOT_FOUND';
  constructor(
    readonly catalogVersion: number,
    readonly offerId: string,
  ) {
    super(`offer ${offerId} is not in catalog version ${catalogVersion}`);
  }
}
