import type { CatalogViolation } from './catalog.errors';
import type { Offer } from './offer';

/**
 * Rules that span the whole version (field shapes are checked at the edge): offerIds are unique, every rule
 * refers to an offer of the same version, and `minQuantity <= maxQuantity`. Returns every violation, not the
 * first, so a publisher fixes a catalog in one round.
 */
export function catalogViolations(offers: readonly Offer[]): CatalogViolation[] {
  const violations: CatalogViolation[] = [];
  const firstIndex = new Map<string, number>();
  offers.forEach((offer, i) => {
    const seen = firstIndex.get(offer.offerId);
    if (seen === undefined) firstIndex.set(offer.offerId, i);
    else
      violations.push({
        pointer: `/offers/${i}/offerId`,
        message: `duplicate offerId ${offer.offerId} (also at /offers/${seen})`,
      });
  });
  offers.forEach((offer, i) => {
    const rules = offer.rules;
    if (!rules) return;
    for (const kind of ['requires', 'excludes'] as const) {
      (rules[kind] ?? []).forEach((ref, j) => {
        if (!firstIndex.has(ref)) {
          violations.push({
            pointer: `/offers/${i}/rules/${kind}/${j}`,
            message: `${kind} unknown offer ${ref}`,
          });
        } else if (ref === offer.offerId) {
          violations.push({
            pointer: `/offers/${i}/rules/${kind}/${j}`,
            message: `an offer cannot ${kind === 'requires' ? 'require' : 'exclude'} itself`,
          });
        }
      });
    }
    if (
      rules.minQuantity !== undefined &&
      rules.maxQuantity !== undefined &&
      rules.minQuantity > rules.maxQuantity
    ) {
      violations.push({
        pointer: `/offers/${i}/rules/minQuantity`,
        message: `minQuantity ${rules.minQuantity} exceeds maxQuantity ${rules.maxQuantity}`,
      });
    }
  });
  return violations;
}
