import { serviceModule } from '@cpq/platform';
import type { Type } from '@nestjs/common';
import { PRICE_BOOK_PUBLISHER, PricingController } from './http/pricing.controller';
import type { PricingRuntime } from './pricing-runtime';

/** The pricing module over an already built runtime (see `openPricingRuntime`); it closes the runtime on shutdown. */
export function pricingModule(runtime: PricingRuntime): Type<unknown> {
  return serviceModule(runtime, {
    controllers: [PricingController],
    providers: [{ provide: PRICE_BOOK_PUBLISHER, useValue: runtime.publisher }],
  });
}
