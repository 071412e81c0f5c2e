import type { OutboxNotifier } from '@cpq/platform';
import { v7 as uuidv7 } from 'uuid';
import { linesMatchSelections } from '../domain/configuration-match';
import { orderView, type CaptureRequest, type Order } from '../domain/order';
import { priceLines } from '../domain/order-amounts';
import { ConfigurationMismatchError, ConfigurationNotFinalizedError } from '../domain/order.errors';
import { orderCaptured } from './order-events';
import type { OrderRepository, Tx } from './order.repository';

/** A stored answer of an idempotent command. */
export interface IdempotentResponse {
  readonly httpStatus: number;
  readonly responseBody: unknown;
  readonly resourceId?: string;
}

/** Runs a command at most once per (tenant, Idempotency-Key) (the platform's `IdempotentCommands`). */
export interface IdempotentExecutor {
  run(request: {
    tenantId: string;
    idempotencyKey: string;
    requestHash: string;
    execute(tx: Tx): Promise<IdempotentResponse>;
  }): Promise<{ response: IdempotentResponse; replayed: boolean }>;
}

export interface CaptureInput {
  tenantId: string;
  idempotencyKey: string;
  /** The digest of the request (method, path, canonical body): tells a repeat from a reused key. */
  requestHash: string;
  request: CaptureRequest;
  requestId?: string;
}

export interface CaptureOutcome {
  /** 201 and the order, first time or replayed as stored. */
  response: IdempotentResponse;
  replayed: boolean;
}

/**
 * Captures an order exactly once per idempotency key. Inside the key's transaction: the configuration check
 * against order-service's projection (no call to config-service), the order number, the order and its lines, the
 * captured event's outbox row; the key's record with this response commits with them, or nothing does.
 */
export class OrderCapture {
  constructor(
    private readonly commands: IdempotentExecutor,
    private readonly repository: OrderRepository,
    private readonly outbox: OutboxNotifier,
  ) {}

  async capture(input: CaptureInput): Promise<CaptureOutcome> {
    const { tenantId, request } = input;
    const priced = priceLines(request.lines);
    const outcome = await this.commands.run({
      tenantId,
      idempotencyKey: input.idempotencyKey,
      requestHash: input.requestHash,
      execute: async (tx) => {
        if (request.configurationId !== undefined) {
          await this.checkConfiguration(tx, tenantId, request.configurationId, request);
        }
        const reserved = await this.repository.reserveOrderNumber(tx, tenantId);
        const order: Order = orderView({
          orderId: uuidv7(),
          orderNumber: reserved.orderNumber,
          status: 'CAPTURED',
          version: 1,
          currency: request.currency,
          ...(request.customerRef === undefined ? {} : { customerRef: request.customerRef }),
          ...(request.configurationId === undefined ? {} : { configurationId: request.configurationId }),
          lines: priced.lines,
          totalAmountMinor: priced.totalAmountMinor,
          createdAt: reserved.createdAt,
          updatedAt: reserved.createdAt,
        });
        await this.repository.insertCaptured(
          tx,
          tenantId,
          order,
          orderCaptured(tenantId, order),
          input.requestId,
        );
        return { httpStatus: 201, responseBody: order, resourceId: order.orderId };
      },
    });
    if (!outcome.replayed) this.outbox.notify();
    return outcome;
  }

  private async checkConfiguration(
    tx: Tx,
    tenantId: string,
    configurationId: string,
    request: CaptureRequest,
  ): Promise<void> {
    const configuration = await this.repository.findConfiguration(tx, tenantId, configurationId);
    if (!configuration) throw new ConfigurationNotFinalizedError(configurationId);
    if (!linesMatchSelections(request.lines, configuration.selectedOptions)) {
      throw new ConfigurationMismatchError(configurationId);
    }
  }
}
