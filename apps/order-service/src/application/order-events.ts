import { newEnvelope, TOPICS, type EventEnvelope } from '@cpq/contracts';
import type { Order, OrderStatus } from '../domain/order';

/** `oms.order.captured.v1` of a new order (aggregate: the order). */
export function orderCaptured(tenantId: string, order: Order): EventEnvelope {
  return newEnvelope({
    topic: TOPICS.orderCaptured,
    tenantId,
    aggregateId: order.orderId,
    occurredAt: order.createdAt,
    payload: {
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      currency: order.currency,
      totalAmountMinor: order.totalAmountMinor,
      ...(order.configurationId === undefined ? {} : { configurationId: order.configurationId }),
      lines: order.lines.map((line) => ({
        offerId: line.offerId,
        quantity: line.quantity,
        unitAmountMinor: line.unitAmountMinor,
        termMonths: line.termMonths,
      })),
    },
  });
}

/** `oms.order.status-changed.v1` of a transition; `version` is the order's version after it. */
export function orderStatusChanged(tenantId: string, order: Order, from: OrderStatus): EventEnvelope {
  return newEnvelope({
    topic: TOPICS.orderStatusChanged,
    tenantId,
    aggregateId: order.orderId,
    occurredAt: order.updatedAt,
    payload: { orderId: order.orderId, from, to: order.status, version: order.version },
  });
}
