import { tryWithLease, type HotKeyTracker, type LeaseManager } from '@cpq/redis-runtime';
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
 * to the price cache, so the first calculations of the new version hit. A lease makes one instance do it; if the
 * lease is taken, Redis fails or the set is gone, requests simply compute on their first miss.
 */
export class PricePrewarmer {
  constructor(
    private readonly calculator: PriceCalculator,
    private readonly keys: PricingKeys,
    private readonly hotPrices: HotKeyTracker,
    private readonly leases: LeaseManager,
    private readonly options: PricePrewarmerOptions = {},
  ) {}

  /** How many prices were written (0 when another instance holds the lease, Redis is out, or nothing was hot). */
  async prewarm(tenantId: string, version: number): Promise<number> {
    if (version <= 1) return 0;
    const written = await tryWithLease(
      this.leases,
      { tenant: tenantId, id: `v${version}` },
      { ttlMs: this.options.leaseTtlMs ?? 30_000 },
      (_lease, signal) => this.warmHottest(tenantId, version, signal),
    );
    return written ?? 0;
  }

  private async warmHottest(tenantId: string, version: number, signal: AbortSignal): Promise<number> {
    const members = await this.hotPrices.top(
      this.keys.hotPrices(tenantId, version - 1),
      this.options.topRequests ?? 200,
    );
    const requests = members.map(requestOfHotPriceMember).filter((r) => r !== undefined);
    const concurrency = this.options.concurrency ?? 16;
    let written = 0;
    // stops when the lease is lost: another instance may be doing the same work by then
    for (let i = 0; i < requests.length && !signal.aborted; i += concurrency) {
      const results = await Promise.all(
        requests
          .slice(i, i + concurrency)
          .map((request) => this.calculator.warm(tenantId, version, request).catch(() => false)),
      );
      written += results.filter(Boolean).length;
    }
    return written;
  }
}
