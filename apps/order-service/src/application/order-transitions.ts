import type { OutboxNotifier } from '@cpq/platform';
import type { Order } from '../domain/order';
import { allowedSourcesOf, type TransitionTarget } from '../domain/order-lifecycle';
import {
  OrderNotFoundError,
  OrderVersionStaleError,
  TransitionNotAllowedError,
} from '../domain/order.errors';
import { orderStatusChanged } from './order-events';
import type { OrderViewCache } from './order-view-cache';
import type { OrderRepository } from './order.repository';

export interface TransitionInput {
  tenantId: string;
  orderId: string;
  /** The version named in `If-Match`. */
  expectedVersion: number;
  to: TransitionTarget;
  requestId?: string;
}

/**
 * Moves an order along its lifecycle. PostgreSQL guards it (status and version in the update's WHERE) and writes
 * `oms.order.status-changed.v1` in the same transaction. After the commit this instance drops its cached view at
 * once (best effort); every instance drops it again when the event arrives (the durable path).
 */
export class OrderTransitions {
  constructor(
    private readonly repository: OrderRepository,
    private readonly outbox: OutboxNotifier,
    private readonly views: OrderViewCache | undefined,
  ) {}

  async transition(input: TransitionInput): Promise<Order> {
    const { tenantId, orderId, expectedVersion, to } = input;
    const result = await this.repository.transition(
      tenantId,
      orderId,
      expectedVersion,
      to,
      allowedSourcesOf(to),
      ({ order, from }) => orderStatusChanged(tenantId, order, from),
      input.requestId,
    );
    if (result.kind === 'not-found') throw new OrderNotFoundError(orderId);
    if (result.kind === 'refused') {
      // A stale version first: what is allowed depends on a state the client has not seen.
      if (result.version !== expectedVersion)
        throw new OrderVersionStaleError(expectedVersion, result.version);
      throw new TransitionNotAllowedError(result.status, to);
    }
    this.outbox.notify();
    await this.views?.drop(tenantId, orderId);
    return result.order;
  }
}
