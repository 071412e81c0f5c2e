import type { Order, OrderStatus } from '../domain/order';
import { OrderNotFoundError } from '../domain/order.errors';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor';
import type { OrderViewCache } from './order-view-cache';
import type { OrderRepository } from './order.repository';

export interface OrderList {
  items: readonly Order[];
  nextCursor: string | null;
}

/** Reads: one order through the order-view cache (when on), lists from PostgreSQL. */
export class OrderReader {
  constructor(
    private readonly repository: OrderRepository,
    private readonly views: OrderViewCache | undefined,
  ) {}

  async get(tenantId: string, orderId: string): Promise<Order> {
    const load = () => this.repository.findOrder(tenantId, orderId);
    const order = this.views ? await this.views.get(tenantId, orderId, load) : await load();
    if (!order) throw new OrderNotFoundError(orderId);
    return order;
  }

  async list(
    tenantId: string,
    query: { status?: OrderStatus; limit: number; cursor?: string },
  ): Promise<OrderList> {
    const page = await this.repository.listOrders(tenantId, {
      limit: query.limit,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.cursor === undefined ? {} : { after: decodeOrderCursor(query.cursor) }),
    });
    return {
      items: page.orders,
      nextCursor: page.next === undefined ? null : encodeOrderCursor(page.next),
    };
  }
}
