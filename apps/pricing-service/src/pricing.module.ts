import { Inject, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { PRICE_BOOK_PUBLISHER, PricingController } from './http/pricing.controller';
import type { PricingRuntime } from './pricing-runtime';

export const PRICING_RUNTIME = Symbol('PricingRuntime');

/** Closes the runtime after Nest has drained in-flight requests: consumers, relay, Redis, PostgreSQL. */
class PricingLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PRICING_RUNTIME) private readonly runtime: PricingRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/** The pricing module over an already built runtime (see `openPricingRuntime`). */
export function pricingModule(runtime: PricingRuntime): Type<unknown> {
  @Module({
    controllers: [PricingController],
    providers: [
      { provide: PRICING_RUNTIME, useValue: runtime },
      { provide: PRICE_BOOK_PUBLISHER, useValue: runtime.publisher },
      PricingLifecycle,
    ],
  })
  class PricingModule {}
  return PricingModule;
}
