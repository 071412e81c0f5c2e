import type { SelectedOption, ValidationIssue, ValidationSummary } from './session';

/** The contract's stable validation codes. */
export const ValidationCode = {
  offerUnknown: 'OFFER_UNKNOWN',
  offerRetired: 'OFFER_RETIRED',
  quantityBelowMin: 'QUANTITY_BELOW_MIN',
  quantityAboveMax: 'QUANTITY_ABOVE_MAX',
  requiresMissing: 'REQUIRES_MISSING',
  excludesConflict: 'EXCLUDES_CONFLICT',
  duplicateOffer: 'DUPLICATE_OFFER',
} as const;

export const CATALOG_UNAVAILABLE = 'CATALOG_UNAVAILABLE';

/** What validation needs of an offer of the catalog (a subset of the contract's Offer). */
export interface OfferRules {
  offerId: string;
  status: 'ACTIVE' | 'RETIRED';
  rules?: {
    requires?: string[];
    excludes?: string[];
    minQuantity?: number;
    maxQuantity?: number;
  };
}

/** An offer as the catalog answered for the session's version: found, not in it, or not readable right now. */
export type OfferLookup =
  { kind: 'found'; offer: OfferRules } | { kind: 'unknown' } | { kind: 'unavailable' };

/**
 * Validates a selection against the offers of one catalog version. Every rule is checked and every failure listed
 * (a frontend shows them all at once): each offer exists and is ACTIVE, each line's quantity is within the offer's
 * min/max, each `requires` is selected, no two selected offers exclude each other (one error per pair), no offer is
 * selected twice. Offers that could not be read give a CATALOG_UNAVAILABLE warning and make the selection invalid
 * until they can be.
 */
export function validateSelection(
  selected: readonly SelectedOption[],
  offers: ReadonlyMap<string, OfferLookup>,
): ValidationSummary {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const selectedIds = new Set(selected.map((s) => s.offerId));
  const seen = new Set<string>();
  const reportedDuplicates = new Set<string>();
  const conflicts = new Set<string>();

  for (const option of selected) {
    const { offerId } = option;
    const lookup = offers.get(offerId) ?? { kind: 'unavailable' };
    const first = !seen.has(offerId);
    seen.add(offerId);
    if (!first && !reportedDuplicates.has(offerId)) {
      reportedDuplicates.add(offerId);
      errors.push({
        code: ValidationCode.duplicateOffer,
        offerId,
        message: `offer ${offerId} is selected more than once`,
      });
    }
    if (lookup.kind === 'unavailable') {
      if (first)
        warnings.push({
          code: CATALOG_UNAVAILABLE,
          offerId,
          message: `offer ${offerId} could not be read from the catalog; validated once it can be`,
        });
      continue;
    }
    if (lookup.kind === 'unknown') {
      if (first)
        errors.push({
          code: ValidationCode.offerUnknown,
          offerId,
          message: `offer ${offerId} is not in the session's catalog version`,
        });
      continue;
    }
    const { offer } = lookup;
    const rules = offer.rules ?? {};
    if (rules.minQuantity !== undefined && option.quantity < rules.minQuantity) {
      errors.push({
        code: ValidationCode.quantityBelowMin,
        offerId,
        message: `quantity ${option.quantity} of offer ${offerId} is below its minimum ${rules.minQuantity}`,
      });
    }
    if (rules.maxQuantity !== undefined && option.quantity > rules.maxQuantity) {
      errors.push({
        code: ValidationCode.quantityAboveMax,
        offerId,
        message: `quantity ${option.quantity} of offer ${offerId} is above its maximum ${rules.maxQuantity}`,
      });
    }
    if (!first) continue;
    if (offer.status !== 'ACTIVE') {
      errors.push({
        code: ValidationCode.offerRetired,
        offerId,
        message: `offer ${offerId} is retired`,
      });
    }
    for (const required of rules.requires ?? []) {
      if (!selectedIds.has(required)) {
        errors.push({
          code: ValidationCode.requiresMissing,
          offerId,
          message: `offer ${offerId} requires ${required}, which is not selected`,
        });
      }
    }
    for (const excluded of rules.excludes ?? []) {
      if (excluded === offerId || !selectedIds.has(excluded)) continue;
      const pair = offerId < excluded ? `${offerId} ${excluded}` : `${excluded} ${offerId}`;
      if (conflicts.has(pair)) continue;
      conflicts.add(pair);
      errors.push({
        code: ValidationCode.excludesConflict,
        offerId,
        message: `offer ${offerId} excludes ${excluded}; both are selected`,
      });
    }
  }
  const unreadable = warnings.some((w) => w.code === CATALOG_UNAVAILABLE);
  return { valid: errors.length === 0 && !unreadable, errors, warnings };
}

/** True when some offer could not be read: the selection cannot be judged (finalize answers 503). */
export function catalogWasUnavailable(summary: ValidationSummary): boolean {
  return summary.warnings.some((w) => w.code === CATALOG_UNAVAILABLE);
}
