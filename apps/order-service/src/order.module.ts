import { serviceModule } from '@cpq/platform';
import type { Type } from '@nestjs/common';
import { ORDER_RUNTIME, OrderController } from './http/order.controller';
import type { OrderRuntime } from './order-runtime';

/** The order module over an already built runtime (see `openOrderRuntime`); it closes the runtime on shutdown. */
export function orderModule(runtime: OrderRuntime): Type<unknown> {
  return serviceModule(runtime, {
    controllers: [OrderController],
    providers: [{ provide: ORDER_RUNTIME, useValue: runtime }],
  });
}
