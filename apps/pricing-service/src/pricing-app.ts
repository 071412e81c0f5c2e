import { createService } from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PricingConfig } from './config';
import { pricingFastRoutes } from './http/pricing-fast-routes';
import { registerPricingProblems } from './http/pricing-problems';
import { pricingModule } from './pricing.module';
import { openPricingRuntime, SERVICE_NAME, type PricingRuntime } from './pricing-runtime';

export interface PricingApp {
  app: NestFastifyApplication;
  runtime: PricingRuntime;
}

/** Builds the whole service (runtime + HTTP app), not listening yet: what `main.ts` and the tests share. */
export function createPricingApp(
  config: PricingConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<PricingApp> {
  return createService({
    service: SERVICE_NAME,
    config,
    registerProblems: registerPricingProblems,
    openRuntime: openPricingRuntime,
    module: pricingModule,
    fastRoutes: (runtime) => pricingFastRoutes(runtime.calculator, runtime.rateLimits),
    ...options,
  });
}
