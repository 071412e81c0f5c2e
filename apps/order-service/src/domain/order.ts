/** The lifecycle states of an order (the contract's `status`). */
export const ORDER_STATUSES = ['CAPTURED', 'SUBMITTED', 'CANCELLED', 'FULFILLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A line as the client sends it. */
export interface OrderLineInput {
  readonly offerId: string;
  readonly quantity: number;
  readonly unitAmountMinor: number;
  readonly termMonths: number;
}

/** A line of an order: the client's line and its amount (unit amount × quantity, integer minor units). */
export interface OrderLine extends OrderLineInput {
  readonly amountMinor: number;
}

/** The body of `POST /orders`. */
export interface CaptureRequest {
  readonly configurationId?: string;
  readonly currency: string;
  readonly customerRef?: string;
  readonly lines: readonly OrderLineInput[];
}

/** The contract's order view (also the cached value and the stored idempotent response). */
export interface Order {
  readonly orderId: string;
  /** `SO-<yyyy>-<6+ digits>`, per tenant and year. */
  readonly orderNumber: string;
  readonly status: OrderStatus;
  readonly version: number;
  readonly currency: string;
  readonly customerRef?: string;
  readonly configurationId?: string;
  readonly lines: readonly OrderLine[];
  readonly totalAmountMinor: number;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The order view with its members always in the contract's order: a stored response is replayed byte for byte,
 * so the same order must serialize the same way whichever code path built it.
 */
export function orderView(fields: Order): Order {
  return {
    orderId: fields.orderId,
    orderNumber: fields.orderNumber,
    status: fields.status,
    version: fields.version,
    currency: fields.currency,
    ...(fields.customerRef === undefined ? {} : { customerRef: fields.customerRef }),
    ...(fields.configurationId === undefined ? {} : { configurationId: fields.configurationId }),
    lines: fields.lines.map((line) => ({
      offerId: line.offerId,
      quantity: line.quantity,
      unitAmountMinor: line.unitAmountMinor,
      termMonths: line.termMonths,
      amountMinor: line.amountMinor,
    })),
    totalAmountMinor: fields.totalAmountMinor,
    createdAt: fields.createdAt,
    updatedAt: fields.updatedAt,
  };
}
