import { Inject, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { ORDER_RUNTIME, OrderController } from './http/order.controller';
import type { OrderRuntime } from './order-runtime';

/** Closes the runtime after Nest has drained in-flight requests: consumers, relay, jobs, Redis, PostgreSQL. */
class OrderLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ORDER_RUNTIME) private readonly runtime: OrderRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/** The order module over an already built runtime (see `openOrderRuntime`). */
export function orderModule(runtime: OrderRuntime): Type<unknown> {
  @Module({
    controllers: [OrderController],
    providers: [{ provide: ORDER_RUNTIME, useValue: runtime }, OrderLifecycle],
  })
  class OrderModule {}
  return OrderModule;
}
