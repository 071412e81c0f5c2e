import { VersionPrewarmer } from '@cpq/platform';
import type { HotKeyTracker, LeaseManager } from '@cpq/redis-runtime';
import type { PriceCalculator } from './price-calculator.service';
import { requestOfHotPriceMember, type PricingKeys } from './pricing-keys';

export interface PricePrewarmerOptions {
  /** Most-calculated requests of the previous version computed into the new one. @default 200 */
  topRequests?: number;
  /** Calculations running at once. @default 16 */
  concurrency?: number;
  /** @default 30_000 */
  leaseTtlMs?: number;
}

/**
 * On a publish, computes the previous version's most-calculated requests under the new version and writes them
 * to the price cache, so the first calculations of the new version hit (one instance, under a lease:
 * `VersionPrewarmer`).
 */
export class PricePrewarmer extends VersionPrewarmer {
  constructor(
    calculator: PriceCalculator,
    keys: PricingKeys,
    hotPrices: HotKeyTracker,
    leases: LeaseManager,
    options: PricePrewarmerOptions = {},
  ) {
    const concurrency = options.concurrency ?? 16;
    super({
      leases,
      hotKeys: hotPrices,
      hotSetOf: (tenantId, version) => keys.hotPrices(tenantId, version),
      top: options.topRequests ?? 200,
      leaseTtlMs: options.leaseTtlMs,
      warm: async (tenantId, version, hot, signal) => {
        const requests = hot.map(requestOfHotPriceMember).filter((r) => r !== undefined);
        let written = 0;
        // stops when the lease is lost: another instance may be doing the same work by then
        for (let i = 0; i < requests.length && !signal.aborted; i += concurrency) {
          const results = await Promise.all(
            requests
              .slice(i, i + concurrency)
              .map((request) => calculator.warm(tenantId, version, request).catch(() => false)),
          );
          written += results.filter(Boolean).length;
        }
        return written;
      },
    });
  }
}
