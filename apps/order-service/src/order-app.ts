import { createService } from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OrderConfig } from './config';
import { orderFastRoutes } from './http/order-fast-routes';
import { registerOrderProblems } from './http/order-problems';
import { orderModule } from './order.module';
import { openOrderRuntime, SERVICE_NAME, type OrderRuntime } from './order-runtime';

export interface OrderApp {
  app: NestFastifyApplication;
  runtime: OrderRuntime;
}

/** Builds the whole service (runtime + HTTP app), not listening yet: what `main.ts` and the tests share. */
export function createOrderApp(
  config: OrderConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<OrderApp> {
  return createService({
    service: SERVICE_NAME,
    config,
    registerProblems: registerOrderProblems,
    openRuntime: openOrderRuntime,
    module: orderModule,
    fastRoutes: (runtime) => orderFastRoutes(runtime.reader),
    ...options,
  });
}
