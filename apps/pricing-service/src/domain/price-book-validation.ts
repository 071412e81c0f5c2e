import type { PriceEntry } from './price-entry';
import type { PricingViolation } from './pricing.errors';

/**
 * Rules across entries that a per-field schema cannot state: `(offerId, currency)` is unique within a version, and
 * the tiers of one entry have unique `minQuantity`. Pointers are into the publish body (`/entries/3/currency`).
 */
export function priceBookViolations(entries: readonly PriceEntry[]): PricingViolation[] {
  const violations: PricingViolation[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = `${entry.offerId}\u0000${entry.currency}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      violations.push({
        pointer: `/entries/${index}`,
        message: `duplicate (offerId, currency) (${entry.offerId}, ${entry.currency}); first at /entries/${first}`,
      });
    const tiers = new Map<number, number>();
    (entry.quantityTiers ?? []).forEach((tier, t) => {
      const earlier = tiers.get(tier.minQuantity);
      if (earlier === undefined) tiers.set(tier.minQuantity, t);
      else
        violations.push({
          pointer: `/entries/${index}/quantityTiers/${t}/minQuantity`,
          message: `duplicate minQuantity ${tier.minQuantity}; first at /entries/${index}/quantityTiers/${earlier}`,
        });
    });
  });
  return violations;
}
