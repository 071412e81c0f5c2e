import { DomainError } from '@cpq/platform';
import type { OrderStatus } from './order';

/** Domain errors of order-service: stable codes (prefix ORDER_), mapped to problem+json in http/order-problems.ts. */
export abstract class OrderError extends DomainError {}

/** No order with this id in this tenant (→ 404). */
export class OrderNotFoundError extends OrderError {
  readonly code = 'ORDER_NOT_FOUND';
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
  }
}

/**
 * The configuration is not a finalized configuration of this tenant as order-service knows it (its
 * cpq.config.finalized.v1 event has not arrived: unknown, not finalized yet, or another tenant's) → 422.
 */
export class ConfigurationNotFinalizedError extends OrderError {
  readonly code = 'ORDER_CONFIGURATION_NOT_FINALIZED';
  constructor(readonly configurationId: string) {
    super(`configuration ${configurationId} is not a finalized configuration of this tenant`);
  }
}

/** The lines' (offerId, quantity) pairs differ from the configuration's selected options → 422. */
export class ConfigurationMismatchError extends OrderError {
  readonly code = 'ORDER_CONFIGURATION_MISMATCH';
  constructor(readonly configurationId: string) {
    super(`the order lines do not match the selected options of configuration ${configurationId}`);
  }
}

/** A line amount or the total does not fit in Number.MAX_SAFE_INTEGER minor units → 422. */
export class OrderAmountOutOfRangeError extends OrderError {
  readonly code = 'ORDER_AMOUNT_OUT_OF_RANGE';
  constructor(
    readonly pointer: string,
    /** The exact value, as a decimal string. */
    readonly value: string,
  ) {
    super(`the amount at ${pointer} (${value} minor units) exceeds Number.MAX_SAFE_INTEGER`);
  }
}

/** The contract does not allow this transition from the order's current status → 409. */
export class TransitionNotAllowedError extends OrderError {
  readonly code = 'ORDER_TRANSITION_NOT_ALLOWED';
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`an order in status ${from} cannot move to ${to}`);
  }
}

/** The order is no longer at the version named in If-Match → 412. */
export class OrderVersionStaleError extends OrderError {
  readonly code = 'ORDER_VERSION_STALE';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`the order is at version ${currentVersion}, not ${expectedVersion}: read it again and retry`);
  }
}

/** A list cursor this service did not issue → 400. */
export class InvalidOrderCursorError extends OrderError {
  readonly code = 'ORDER_INVALID_CURSOR';
  constructor() {
    super('the cursor is not one this service issued: use nextCursor from a previous page');
  }
}
