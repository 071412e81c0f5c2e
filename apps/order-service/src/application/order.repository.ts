import type { ConfigFinalizedPayload, EventEnvelope } from '@cpq/contracts';
import type { SelectedOption } from '../domain/configuration-match';
import type { Order, OrderStatus } from '../domain/order';

/** An open PostgreSQL transaction, opaque to the application: only the repository knows what it is. */
export type Tx = object;

/** A configuration as order-service's projection of cpq.config.finalized.v1 holds it. */
export interface FinalizedConfiguration {
  readonly configurationId: string;
  readonly catalogVersion: number;
  readonly selectedOptions: readonly SelectedOption[];
}

/** A number taken for a new order, and the transaction's time (the order's createdAt). */
export interface ReservedNumber {
  readonly orderNumber: string;
  readonly createdAt: string;
}

export type TransitionResult =
  | { readonly kind: 'changed'; readonly order: Order; readonly from: OrderStatus }
  | { readonly kind: 'not-found' }
  /** The order exists but is not at the expected version, or not in a status the transition starts from. */
  | { readonly kind: 'refused'; readonly status: OrderStatus; readonly version: number };

export interface OrderPage {
  readonly orders: readonly Order[];
  /** The position after the last order, when more may follow. */
  readonly next?: number;
}

/** PostgreSQL, the only place order state lives. */
export interface OrderRepository {
  findConfiguration(
    tx: Tx,
    tenantId: string,
    configurationId: string,
  ): Promise<FinalizedConfiguration | undefined>;
  /** Takes the next order number of the tenant and the current year, held (row lock) until `tx` ends. */
  reserveOrderNumber(tx: Tx, tenantId: string): Promise<ReservedNumber>;
  /** Inserts the order, its lines and its event's outbox row. */
  insertCaptured(
    tx: Tx,
    tenantId: string,
    order: Order,
    event: EventEnvelope,
    requestId?: string,
  ): Promise<void>;
  /**
   * In one transaction: moves the order to `to` only if it is at `expectedVersion` and in one of `from` (the
   * guard is in the update's WHERE), and appends the event built by `event` to the outbox.
   */
  transition(
    tenantId: string,
    orderId: string,
    expectedVersion: number,
    to: OrderStatus,
    from: readonly OrderStatus[],
    event: (changed: { order: Order; from: OrderStatus }) => EventEnvelope,
    requestId?: string,
  ): Promise<TransitionResult>;
  findOrder(tenantId: string, orderId: string): Promise<Order | undefined>;
  /** Newest first; `after` is a position from a previous page. */
  listOrders(
    tenantId: string,
    options: { status?: OrderStatus; limit: number; after?: number },
  ): Promise<OrderPage>;
  /** Records a finalized configuration (first event wins: finalized configurations never change). */
  recordConfiguration(
    tx: Tx,
    tenantId: string,
    payload: ConfigFinalizedPayload,
    event: { eventId: string; occurredAt: string },
  ): Promise<void>;
}
